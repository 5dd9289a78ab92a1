import type { ValidationIssue } from './errors.js';

/*
 * Image references, following the grammar of github.com/distribution/reference:
 *
 *   reference      := name [ ":" tag ] [ "@" digest ]
 *   name           := [ domain "/" ] path-component { "/" path-component }
 *   domain         := host [ ":" port ]
 *   host           := domain-component { "." domain-component } | "[" IPv6 "]"
 *   domain-component := [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
 *   path-component := [a-z0-9]+ { separator [a-z0-9]+ }
 *   separator      := "." | "_" | "__" | "-"+
 *   tag            := [\w][\w.-]{0,127}
 *   digest         := "sha256:" 64 lower-case hex digits
 *
 * The first component is a registry host only if it contains "." or ":" or is "localhost"; otherwise it is
 * part of the repository path (Docker Hub). Unlike Docker, an upper-case first component ("MyOrg/app") is
 * not taken for a host: it is almost always a mistyped repository, and saying so helps more.
 */
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = new RegExp(
  `^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:.]+\\])(?::\\d+)?$`,
);
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^\w[\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
const NAME_MAX_LENGTH = 255;

const ALLOWED =
  'an image reference such as alpine, alpine:3.20, ghcr.io/org/app:v1.2 or ' +
  '123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app@sha256:<64 hex digits>';

export interface ImageReference {
  /** Registry host and optional port, when the reference names one. */
  domain?: string;
  path: string;
  tag?: string;
  digest?: string;
}

type ParseResult = { ok: true; reference: ImageReference } | { ok: false; problem: string };

export function validateImage(ref: string, field = '--image'): ValidationIssue | undefined {
  const result = parseImageReference(ref);
  return result.ok ? undefined : { field, value: ref, allowed: ALLOWED, hint: result.problem };
}

export function parseImageReference(ref: string): ParseResult {
  if (ref === '') return fail('The image reference is empty.');
  if (/\s/.test(ref)) return fail('An image reference cannot contain spaces.');

  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) {
      return fail(`The digest "${digest}" must be sha256: followed by 64 lower-case hex digits.`);
    }
  }

  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.indexOf(':', lastSlash + 1);
  if (colon !== -1) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (tag === '') return fail('The tag after ":" is empty: remove the ":" or add a tag.');
    if (!TAG.test(tag)) {
      return fail(
        `The tag "${tag}" must be 1 to 128 letters, digits, "_", "." or "-", and cannot start with "." or "-".`,
      );
    }
  }

  if (rest === '') return fail('The repository name is missing.');
  if (rest.length > NAME_MAX_LENGTH) {
    return fail(`The repository name is ${rest.length} characters long; the limit is ${NAME_MAX_LENGTH}.`);
  }

  const components = rest.split('/');
  let domain: string | undefined;
  if (components.length > 1 && looksLikeDomain(components[0] ?? '')) domain = components.shift();
  if (domain !== undefined && !DOMAIN.test(domain)) return fail(`"${domain}" is not a valid registry host.`);

  for (const component of components) {
    if (PATH_COMPONENT.test(component)) continue;
    if (component === '')
      return fail('The repository path has an empty component ("//" or a leading/trailing "/").');
    if (PATH_COMPONENT.test(component.toLowerCase())) {
      return fail(
        `Repository names must be lower-case: "${component}" should be "${component.toLowerCase()}".`,
      );
    }
    return fail(
      `"${component}" is not a valid repository path component: use lower-case letters and digits, ` +
        'separated by ".", "_", "__" or "-".',
    );
  }

  const reference: ImageReference = { path: components.join('/') };
  if (domain !== undefined) reference.domain = domain;
  if (tag !== undefined) reference.tag = tag;
  if (digest !== undefined) reference.digest = digest;
  return { ok: true, reference };
}

function looksLikeDomain(component: string): boolean {
  return /[.:]/.test(component) || component === 'localhost';
}

function fail(problem: string): ParseResult {
  return { ok: false, problem };
}
