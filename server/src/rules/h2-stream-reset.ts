import type { Direction, RelatedBytes, Severity } from '../../../protocol/model';
import { frameRange, SENDER, streamLabel } from '../http2/describeHttp2';
import type { Http2Reset, Http2Stream } from '../http2/http2Conversation';
import { ErrorCode, errorCodeName } from '../http2/http2Frames';
import { RFC9113 } from './h2Verdicts';
import type { ConnectionRule, RuleHit } from './rule';

/** How far the exchange had got: what the reset cut. */
export function exchangeState(stream: Http2Stream): string {
  const { request, response } = stream;
  const requestState = stream.upgraded
    ? 'after the upgraded request'
    : !request.headers
      ? 'before any request headers in the capture'
      : request.endStreamFrame
        ? 'after the whole request'
        : `after the request headers${request.dataLength ? ` and ${request.dataLength} bytes of request body` : ''}, before the request ended`;
  const responseState = !response.headers
    ? 'before any response'
    : response.endStreamFrame
      ? 'after the whole response'
      : `after the response headers (${response.headers.fields.find((f) => f.name === ':status')?.value ?? 'no :status'})${response.dataLength ? ` and ${response.dataLength} bytes of response body` : ''}, before the response ended`;
  return `${requestState}, ${responseState}`;
}

/** The request headers of a stream, as related bytes in their own direction. */
export function requestRelated(stream: Http2Stream): RelatedBytes[] {
  const block = stream.request.headers;
  if (!block) return [];
  return [{ offset: block.offset, length: block.end - block.offset, direction: block.direction, message: `The request headers of ${streamLabel(stream)}` }];
}

function severityOf(reset: Http2Reset): Severity {
  if (reset.errorCode === ErrorCode.CANCEL) return 'info';
  if (reset.errorCode === ErrorCode.REFUSED_STREAM || reset.errorCode === ErrorCode.NO_ERROR) return 'warning';
  return 'error';
}

/**
 * RST_STREAM, tied to the exchange it cut (RFC 9113 §6.4): who sent it, its error code, and how
 * far the request and response had got. A NO_ERROR reset after the response was complete is how
 * a server stops an unwanted upload, and is not reported.
 */
export const h2StreamReset: ConnectionRule = {
  scope: 'connection',
  id: 'h2-stream-reset',
  title: 'HTTP/2 stream reset (RST_STREAM) cut an exchange',
  severity: 'error',
  rfc: RFC9113('6.4'),
  description:
    'One side sent RST_STREAM, ending a single HTTP/2 exchange at once (RFC 9113 §6.4); the error code says why (§7): PROTOCOL_ERROR for a malformed message, REFUSED_STREAM for a request never processed (safe to retry), CANCEL when the sender no longer wants the stream, INTERNAL_ERROR, FLOW_CONTROL_ERROR and others for failures. ' +
    'This is what Envoy reports as an upstream reset (503 UR or 502 UPE) and gRPC clients as status INTERNAL or UNAVAILABLE. The finding covers the RST_STREAM frame and names the exchange it cut; look for another finding on the same stream for the reason.',
  verdicts: [
    {
      implementation: 'envoy',
      outcome: 'reject',
      summary: 'An upstream RST_STREAM before the response headers fails the request: 503 with flag UR (upstream_reset_before_response_started{remote reset}), or 502 UPE for a protocol error; after them, the response to the client is cut.',
      source: 'cited',
      reference: 'envoyproxy/envoy source/common/router/router.cc Filter::onUpstreamReset; source/common/http/http2/codec_impl.cc ConnectionImpl::onStreamClose',
    },
  ],
  check({ http }) {
    if (!http.http2) return [];
    const hits: (RuleHit & { direction: Direction })[] = [];
    for (const stream of http.http2.streams) {
      for (const reset of stream.resets) {
        if (reset.errorCode === ErrorCode.NO_ERROR && stream.response.endStreamFrame) continue;
        hits.push({
          direction: reset.direction,
          ...frameRange(reset.frame),
          severity: severityOf(reset),
          message: `RST_STREAM ${errorCodeName(reset.errorCode)} from ${SENDER[reset.direction]} cut ${streamLabel(stream)} ${exchangeState(stream)}.`,
          related: requestRelated(stream),
        });
      }
    }
    return hits;
  },
};
