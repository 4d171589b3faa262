import { describe, expect, it } from 'vitest';
import { objectLocation } from './object-location.ts';

describe('objectLocation', () => {
  it('gives the full key under the prefix as an s3:// URI and a path-style URL on the dev endpoint', () => {
    expect(
      objectLocation(
        { bucket: 'rft-local', prefix: 'team-a/', endpoint: 'http://127.0.0.1:4568/' },
        'datasets/ds-0123456789abcdef01234567/manifest.json',
      ),
    ).toEqual({
      s3Uri: 's3://rft-local/team-a/datasets/ds-0123456789abcdef01234567/manifest.json',
      httpUrl: 'http://127.0.0.1:4568/rft-local/team-a/datasets/ds-0123456789abcdef01234567/manifest.json',
    });
  });

  it('uses the AWS virtual-hosted URL without an endpoint, and encodes key segments in URLs only', () => {
    expect(objectLocation({ bucket: 'b', region: 'eu-west-1' }, 'datasets/a b/manifest.json')).toEqual({
      s3Uri: 's3://b/datasets/a b/manifest.json',
      httpUrl: 'https://b.s3.eu-west-1.amazonaws.com/datasets/a%20b/manifest.json',
    });
  });

  it('names the field of a missing bucket', () => {
    expect(() => objectLocation({ bucket: '' }, 'k')).toThrow('bucket: must be a non-empty bucket name');
  });
});
