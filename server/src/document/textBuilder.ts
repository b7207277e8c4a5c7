/**
 * Writes a followed stream as text while remembering where each payload byte landed, so a
 * finding's byte range becomes an editor range exactly. Bytes are escaped (escapeBytes.ts);
 * CRLF ends a line invisibly, a bare LF or CR is shown as ␊ / ␍ because it matters to proxies.
 */
import type { Direction } from '../../../protocol/model';
import { escapeByte } from '../text/escapeBytes';

export interface Position {
  readonly line: number;
  readonly character: number;
}

export class TextBuilder {
  private readonly lines: string[] = [];
  private current = '';
  private readonly positions = new Map<Direction, { line: Int32Array; character: Int32Array }>();

  constructor(private readonly directionLengths: Readonly<Record<Direction, number>>) {}

  /** Index of the line being written (or the next one, when the current line is empty). */
  get lineCount(): number {
    return this.lines.length + (this.current.length > 0 ? 1 : 0);
  }

  /** Writes a line of our own (a heading), starting a fresh line first if needed. */
  writeLine(text: string): void {
    this.endLine();
    this.lines.push(text);
  }

  /** Ends the current line if anything is on it. */
  endLine(): void {
    if (this.current.length > 0) {
      this.lines.push(this.current);
      this.current = '';
    }
  }

  writeBytes(direction: Direction, bytes: Uint8Array, from: number, to: number): void {
    const map = this.positionsOf(direction);
    for (let i = from; i < to; i++) {
      map.line[i] = this.lines.length;
      map.character[i] = this.current.length;
      const byte = bytes[i];
      if (byte === 0x0d && bytes[i + 1] === 0x0a && i + 1 < to) continue; // CR of a CRLF: zero width
      if (byte === 0x0a) {
        if (!(i > from && bytes[i - 1] === 0x0d)) this.current += '␊';
        this.lines.push(this.current);
        this.current = '';
      } else if (byte === 0x0d) {
        this.current += '␍';
      } else {
        this.current += escapeByte(byte);
      }
    }
    // The position just past the last byte written, for ranges that end there.
    if (to < map.line.length) {
      map.line[to] = this.lines.length;
      map.character[to] = this.current.length;
    }
  }

  /**
   * Writes `text` as a line of its own standing for bytes [from, to) of a direction (a decoded
   * HTTP/2 field for its HPACK bytes, a frame summary for its frame): the bytes map across the
   * line, so a finding on exactly those bytes covers the whole line.
   */
  writeMapped(direction: Direction, from: number, to: number, text: string): void {
    this.endLine();
    const map = this.positionsOf(direction);
    const span = Math.max(1, to - from);
    for (let i = from; i < to && i < map.line.length; i++) {
      map.line[i] = this.lines.length;
      map.character[i] = Math.floor(((i - from) * text.length) / span);
    }
    if (to < map.line.length && map.line[to] < 0) {
      map.line[to] = this.lines.length;
      map.character[to] = text.length;
    }
    this.lines.push(text);
  }

  /** Where byte `offset` of a direction was written; bytes not written map to the nearest written one before. */
  locate(direction: Direction, offset: number): Position {
    const map = this.positions.get(direction);
    if (!map) return { line: 0, character: 0 };
    for (let i = Math.min(offset, map.line.length - 1); i >= 0; i--) {
      if (map.line[i] >= 0) return { line: map.line[i], character: map.character[i] };
    }
    return { line: 0, character: 0 };
  }

  text(): string {
    this.endLine();
    return this.lines.join('\n') + '\n';
  }

  private positionsOf(direction: Direction) {
    let map = this.positions.get(direction);
    if (!map) {
      const size = this.directionLengths[direction] + 1;
      map = { line: new Int32Array(size).fill(-1), character: new Int32Array(size).fill(-1) };
      this.positions.set(direction, map);
    }
    return map;
  }
}
