// HTTP/2 on the wire, by hand, for sample scripts: frames (RFC 9113 §4.1) and HPACK header
// blocks made only of "literal without indexing — new name" representations with no Huffman
// coding (RFC 7541 §6.2.2), so any name or value reaches the wire exactly as written, including
// the uppercase names, connection headers and bad pseudo-headers that node:http2 refuses to send.
export const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
export const T = { DATA: 0, HEADERS: 1, RST_STREAM: 3, SETTINGS: 4, PING: 6, GOAWAY: 7, WINDOW_UPDATE: 8 };
export const F = { END_STREAM: 0x1, ACK: 0x1, END_HEADERS: 0x4 };

export function frame(type, flags, streamId, payload = Buffer.alloc(0)) {
  const header = Buffer.alloc(9);
  header.writeUIntBE(payload.length, 0, 3);
  header[3] = type;
  header[4] = flags;
  header.writeUInt32BE(streamId & 0x7fffffff, 5);
  return Buffer.concat([header, payload]);
}

function integer(value, prefixBits, flags = 0) {
  const max = (1 << prefixBits) - 1;
  if (value < max) return [flags | value];
  const out = [flags | max];
  let rest = value - max;
  while (rest >= 128) {
    out.push((rest % 128) | 0x80);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
  return out;
}

function string(text) {
  const bytes = Buffer.from(text, 'latin1');
  return [...integer(bytes.length, 7), ...bytes];
}

/** A header block: [name, value] pairs, each a literal without indexing with a new name. */
export function headerBlock(fields) {
  return Buffer.from(fields.flatMap(([name, value]) => [0x00, ...string(name), ...string(value)]));
}

export function headers(streamId, fields, { endStream = false } = {}) {
  return frame(T.HEADERS, F.END_HEADERS | (endStream ? F.END_STREAM : 0), streamId, headerBlock(fields));
}

export function data(streamId, body, { endStream = true } = {}) {
  return frame(T.DATA, endStream ? F.END_STREAM : 0, streamId, Buffer.from(body, 'latin1'));
}

export const settings = (ack = false) => frame(T.SETTINGS, ack ? F.ACK : 0, 0);

export function goaway(lastStreamId, errorCode, debug = '') {
  const payload = Buffer.alloc(8);
  payload.writeUInt32BE(lastStreamId, 0);
  payload.writeUInt32BE(errorCode, 4);
  return frame(T.GOAWAY, 0, 0, Buffer.concat([payload, Buffer.from(debug, 'latin1')]));
}

/**
 * Reads frames from a socket: calls onFrame({ type, flags, streamId, payload }) for each.
 * `skipPreface` first drops the 24-byte client preface (a server reading a client).
 */
export function readFrames(socket, onFrame, { skipPreface = false, initial = Buffer.alloc(0) } = {}) {
  let buffered = initial;
  let prefaceLeft = skipPreface ? PREFACE.length : 0;
  const drain = () => {
    if (prefaceLeft > 0) {
      const take = Math.min(prefaceLeft, buffered.length);
      buffered = buffered.subarray(take);
      prefaceLeft -= take;
    }
    while (buffered.length >= 9) {
      const length = buffered.readUIntBE(0, 3);
      if (buffered.length < 9 + length) return;
      onFrame({ type: buffered[3], flags: buffered[4], streamId: buffered.readUInt32BE(5) & 0x7fffffff, payload: buffered.subarray(9, 9 + length) });
      buffered = buffered.subarray(9 + length);
    }
  };
  socket.on('data', (chunk) => {
    buffered = Buffer.concat([buffered, chunk]);
    drain();
  });
  drain();
}
