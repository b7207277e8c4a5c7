import type { Direction, RelatedBytes } from '../../../protocol/model';
import { escapeLatin1 } from '../text/escapeBytes';
import { frameRange, SENDER, streamLabel } from '../http2/describeHttp2';
import type { Http2GoAway, Http2Stream } from '../http2/http2Conversation';
import { ErrorCode, errorCodeName } from '../http2/http2Frames';
import { exchangeState, requestRelated } from './h2-stream-reset';
import { RFC9113 } from './h2Verdicts';
import type { ConnectionRule, RuleHit } from './rule';

/** Streams the GOAWAY left unfinished: in flight (id ≤ last stream) or never processed (above it). */
function affected(goaway: Http2GoAway, streams: readonly Http2Stream[]): { cut: Http2Stream[]; unprocessed: Http2Stream[] } {
  // The receiver of the GOAWAY initiated the streams it refuses: odd ids from a client, even from a server.
  const receiverParity = goaway.direction === 'server-to-client' ? 1 : 0;
  const open = streams.filter((s) => s.resets.length === 0 && !s.response.endStreamFrame && s.id % 2 === receiverParity && (s.request.headers || s.upgraded));
  return { cut: open.filter((s) => s.id <= goaway.lastStreamId), unprocessed: open.filter((s) => s.id > goaway.lastStreamId) };
}

/**
 * GOAWAY (RFC 9113 §6.8), tied to the exchanges it ended: with an error code, the connection
 * failed and every unfinished stream is lost; with NO_ERROR, it is reported only when it left
 * requests unprocessed (the streams above the last stream id, which a client may retry).
 */
export const h2Goaway: ConnectionRule = {
  scope: 'connection',
  id: 'h2-goaway',
  title: 'HTTP/2 connection ended by GOAWAY with an error or unfinished streams',
  severity: 'error',
  rfc: RFC9113('6.8'),
  description:
    'One side sent GOAWAY, closing the HTTP/2 connection (RFC 9113 §6.8). Its error code says why (§7): PROTOCOL_ERROR, INTERNAL_ERROR, ENHANCE_YOUR_CALM and the rest mean the connection failed and every exchange still open on it is lost; ' +
    'NO_ERROR is a graceful shutdown. The last stream id tells which requests the sender may have processed: streams above it were not processed and are safe to retry, streams at or below it that had not finished were cut. ' +
    'The finding covers the GOAWAY frame and names those exchanges.',
  verdicts: [
    {
      implementation: 'node',
      outcome: 'reject',
      summary: 'node:http2 as a server answers a HEADERS frame on an even (server-initiated) stream id with GOAWAY INTERNAL_ERROR (0x2), last stream id = the highest stream it accepted, and closes the connection; the open request on it is lost.',
      source: 'observed',
      reference: 'scripts/make-h2-samples.mjs with Node v20.20.2, nghttp2 1.61.0 (samples/h2c-malformed.pcapng, samples/manifest.json)',
    },
    {
      implementation: 'envoy',
      outcome: 'reject',
      summary: 'An upstream GOAWAY with an error resets the open upstream streams: 503 UC (connection termination) before the response headers; streams above the last stream id are retried when the retry policy allows.',
      source: 'cited',
      reference: 'envoyproxy/envoy source/common/http/http2/codec_impl.cc ConnectionImpl::onGoAway; source/common/router/router.cc Filter::onUpstreamReset',
    },
  ],
  check({ http }) {
    if (!http.http2) return [];
    const hits: (RuleHit & { direction: Direction })[] = [];
    for (const goaway of http.http2.goaways) {
      const { cut, unprocessed } = affected(goaway, http.http2.streams);
      const failed = goaway.errorCode !== ErrorCode.NO_ERROR;
      if (!failed && unprocessed.length === 0) continue;
      const parts = [`GOAWAY ${errorCodeName(goaway.errorCode)} from ${SENDER[goaway.direction]} (last stream ${goaway.lastStreamId}${goaway.debug ? `, debug "${escapeLatin1(goaway.debug)}"` : ''})`];
      if (failed && cut.length) parts.push(`cut ${cut.map((s) => `${streamLabel(s)} ${exchangeState(s)}`).join('; ')}`);
      if (unprocessed.length) parts.push(`left ${unprocessed.map(streamLabel).join(', ')} unprocessed (safe to retry)`);
      if (failed && !cut.length && !unprocessed.length) parts.push('closed the connection with no exchange open');
      const related: RelatedBytes[] = [...(failed ? cut : []), ...unprocessed].flatMap(requestRelated);
      hits.push({
        direction: goaway.direction,
        ...frameRange(goaway.frame),
        severity: failed ? 'error' : 'warning',
        message: `${parts[0]}: ${parts.slice(1).join('; ')}.`,
        ...(related.length ? { related } : {}),
      });
    }
    return hits;
  },
};
