import { readFile } from 'node:fs/promises';

/** Bump together with the TemplateVersion output of templates/runvoy.yaml. */
export const TEMPLATE_VERSION = '1';

export const TEMPLATE_URL = new URL('../../templates/runvoy.yaml', import.meta.url);

// The bundle (scripts/build.mjs) carries the template's text, so that a binary needs no file beside it.
declare const RUNVOY_TEMPLATE: string | undefined;

export function loadTemplate(): Promise<string> {
  if (typeof RUNVOY_TEMPLATE === 'string') return Promise.resolve(RUNVOY_TEMPLATE);
  return readFile(TEMPLATE_URL, 'utf8');
}
