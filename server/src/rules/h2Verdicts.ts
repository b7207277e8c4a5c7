/** Verdicts shared by the HTTP/2 rules: what the peers in scripts/make-h2-samples.mjs did. */
import type { Verdict } from '../../../protocol/model';

export const NODE_RESETS_STREAM: Verdict = {
  implementation: 'node',
  outcome: 'reject',
  summary: 'node:http2 (nghttp2) as a server answers the request with RST_STREAM PROTOCOL_ERROR (0x1); the handler never sees it.',
  source: 'observed',
  reference: 'scripts/make-h2-samples.mjs with Node v20.20.2, nghttp2 1.61.0 (samples/h2c-malformed.pcapng, samples/manifest.json)',
};

export const CURL_RESETS_STREAM: Verdict = {
  implementation: 'curl',
  outcome: 'reject',
  summary: 'curl 7.88.1 (nghttp2) resets the stream with RST_STREAM PROTOCOL_ERROR and fails: exit 92, "HTTP/2 stream 1 was not closed cleanly: PROTOCOL_ERROR (err 1)".',
  source: 'observed',
  reference: 'scripts/make-h2-samples.mjs with curl 7.88.1 (samples/h2c-malformed-responses.pcapng, samples/manifest.json)',
};

export const RFC9113 = (section: string) => ({ document: 'RFC 9113' as const, section, url: `https://www.rfc-editor.org/rfc/rfc9113#section-${section}` });
