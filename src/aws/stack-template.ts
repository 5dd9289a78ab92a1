import { readFile } from 'node:fs/promises';

/** Bump together with the TemplateVersion output of templates/runvoy.yaml. */
export const TEMPLATE_VERSION = '1';

export const TEMPLATE_URL = new URL('../../templates/runvoy.yaml', import.meta.url);

export function loadTemplate(): Promise<string> {
  return readFile(TEMPLATE_URL, 'utf8');
}
