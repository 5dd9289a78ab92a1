import { describe, expect, it } from 'vitest';
import { parseImageReference, validateImage } from '../../../src/core/image.js';

const DIGEST = `sha256:${'a1b2c3d4'.repeat(8)}`;

describe('validateImage: valid references', () => {
  it.each([
    'alpine',
    'alpine:3.20',
    'alpine:latest',
    'library/alpine',
    'docker.io/library/alpine:3.20',
    'public.ecr.aws/docker/library/alpine:3.20',
    'public.ecr.aws/lambda/python:3.12-arm64',
    `123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app@${DIGEST}`,
    `123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app:v2@${DIGEST}`,
    '123456789012.dkr.ecr.us-gov-west-1.amazonaws.com/app:prod',
    'localhost:5000/a/b:c',
    'localhost/app',
    'localhost:5000',
    'ghcr.io/org/x:v1.2.3-rc.1',
    'gcr.io/distroless/static-debian12:nonroot',
    'quay.io/prometheus/node-exporter:v1.8.1',
    'registry.gitlab.com/group/sub-group/project/image:1.0',
    'Registry.Example.COM/app',
    'my-registry.example.com:443/app',
    '[::1]:5000/app:dev',
    '192.168.1.10:5000/app',
    'hashicorp/terraform:1.9',
    'a',
    'a/b/c/d/e',
    'foo_bar',
    'foo__bar',
    'foo.bar',
    'foo-bar',
    'foo---bar',
    'app:_tag',
    'app:TAG.with-Mixed_case',
    `app:${'t'.repeat(128)}`,
    `app@${DIGEST}`,
  ])('accepts %j', (ref) => {
    expect(validateImage(ref)).toBeUndefined();
  });
});

describe('validateImage: invalid references', () => {
  it.each([
    ['empty', '', /empty/],
    ['a space', 'alpine 3.20', /spaces/],
    ['a trailing newline', 'alpine\n', /spaces/],
    ['upper case repository', 'Alpine', /lower-case: "Alpine" should be "alpine"/],
    ['upper case organisation', 'MyOrg/app', /lower-case: "MyOrg" should be "myorg"/],
    ['upper case after a registry', 'ghcr.io/Org/app', /lower-case/],
    ['double dot', 'foo..bar', /not a valid repository path component/],
    ['triple underscore', 'foo___bar', /not a valid repository path component/],
    ['leading separator', '-foo', /not a valid repository path component/],
    ['trailing separator', 'foo-', /not a valid repository path component/],
    ['trailing colon', 'alpine:', /tag after ":" is empty/],
    ['tag starting with a dot', 'alpine:.x', /tag ".x"/],
    ['tag starting with a dash', 'alpine:-x', /tag "-x"/],
    ['tag too long', `app:${'t'.repeat(129)}`, /tag/],
    ['tag with a plus', 'app:1.0+build', /tag/],
    ['double colon', 'alpine::3', /tag ":3"/],
    ['empty component', 'foo//bar', /empty component/],
    ['leading slash', '/alpine', /empty component/],
    ['trailing slash', 'alpine/', /empty component/],
    ['only a registry', 'ghcr.io/', /empty component/],
    ['only a tag', ':latest', /repository name is missing/],
    ['bad registry host', 'bad_host.example.com/app', /not a valid registry host/],
    ['registry host with a trailing dash', 'host-.example.com/app', /not a valid registry host/],
    ['non-numeric port', 'host.example.com:port/app', /not a valid registry host/],
    ['digest of another algorithm', `app@md5:${'a'.repeat(32)}`, /sha256/],
    ['short digest', 'app@sha256:abc', /sha256/],
    ['upper-case digest', `app@sha256:${'A'.repeat(64)}`, /sha256/],
    ['empty digest', 'app@', /sha256/],
    ['two digests', `app@${DIGEST}@${DIGEST}`, /sha256/],
    ['a name longer than 255 characters', `registry.example.com/${'a'.repeat(235)}`, /256 characters long/],
    ['a URL scheme', 'https://ghcr.io/org/app', /"https:" is not a valid registry host/],
  ])('rejects %s: %j', (_label, ref, why) => {
    const issue = validateImage(ref);
    expect(issue).toMatchObject({ field: '--image', value: ref });
    expect(issue?.allowed).toContain('alpine:3.20');
    expect(issue?.hint).toMatch(why);
  });

  it('accepts a name of exactly 255 characters', () => {
    expect(validateImage(`registry.example.com/${'a'.repeat(234)}`)).toBeUndefined();
  });

  it('uses the field it is given', () => {
    expect(validateImage('', 'defaults.image')?.field).toBe('defaults.image');
  });
});

describe('parseImageReference', () => {
  it.each([
    ['alpine', { path: 'alpine' }],
    ['alpine:3.20', { path: 'alpine', tag: '3.20' }],
    ['localhost:5000', { path: 'localhost', tag: '5000' }],
    ['localhost:5000/a/b:c', { domain: 'localhost:5000', path: 'a/b', tag: 'c' }],
    [
      'public.ecr.aws/docker/library/alpine:3.20',
      { domain: 'public.ecr.aws', path: 'docker/library/alpine', tag: '3.20' },
    ],
    ['hashicorp/terraform', { path: 'hashicorp/terraform' }],
    [`ghcr.io/org/x:v1@${DIGEST}`, { domain: 'ghcr.io', path: 'org/x', tag: 'v1', digest: DIGEST }],
    ['[::1]:5000/app', { domain: '[::1]:5000', path: 'app' }],
    // As in Docker: a first component with a colon is a registry host and port.
    ['alpine:3/x', { domain: 'alpine:3', path: 'x' }],
  ])('splits %j', (ref, reference) => {
    expect(parseImageReference(ref)).toEqual({ ok: true, reference });
  });
});
