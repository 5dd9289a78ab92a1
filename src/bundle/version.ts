/** `runvoy --version`: the format oclif uses, so that the npm install and the binaries print alike. */
export function versionLine(version: string): string {
  return `runvoy/${version} ${process.platform}-${process.arch} node-${process.version}`;
}
