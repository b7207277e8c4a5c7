/**
 * What the pcap and pcapng readers share: one record (packet) at a time, described in place in a
 * reused object so that reading a million packets allocates almost nothing.
 */

/** A packet record as read from the file. Mutable: readers overwrite one instance per record. */
export interface CaptureRecord {
  /** 1-based, counting every packet record of the file: tshark's `frame.number`. */
  frame: number;
  /** File offset where the record (its header included) starts, and its length in the file. */
  recordOffset: number;
  recordLength: number;
  /** Where the record starts in the buffer it was parsed from. */
  recordStart: number;
  /** Where the captured bytes start in that buffer. */
  dataStart: number;
  capturedLength: number;
  /** The frame's length on the wire (tshark's `frame.len`). */
  originalLength: number;
  /** Seconds since the epoch (double precision: about a quarter of a microsecond today). */
  time: number;
  /** False for records that carry no timestamp (pcapng simple packet and custom blocks: `time` is 0 then). */
  timed: boolean;
  linkType: number;
}

export function newCaptureRecord(): CaptureRecord {
  return { frame: 0, recordOffset: 0, recordLength: 0, recordStart: 0, dataStart: 0, capturedLength: 0, originalLength: 0, time: 0, timed: true, linkType: -1 };
}

/** The file is not one the direct reader reads (another format, a block kind it leaves to tshark). */
export class CaptureFormatError extends Error {
  override readonly name = 'CaptureFormatError';
}

/**
 * The file is damaged at `offset`: a length or field no writer would produce. What came before
 * it is good; tshark stops at the same place ("appears to be damaged or corrupt").
 */
export class CaptureDamageError extends Error {
  override readonly name = 'CaptureDamageError';

  constructor(
    readonly offset: number,
    /** A phrase: "a pcapng block claims 62 bytes, not a multiple of 4". */
    readonly reason: string,
  ) {
    super(`damaged at byte ${offset}: ${reason}`);
  }
}

/** Outcome of parsing at one position of a buffer. */
export const enum Parsed {
  /** A packet record: the CaptureRecord was filled in. */
  PACKET = 0,
  /** A block that is not a packet (pcapng interface description, statistics, …). */
  OTHER = 1,
  /** Not all of the record is in the buffer yet: `needed` says how many bytes it takes. */
  INCOMPLETE = 2,
}

/** A streaming reader of one capture format. */
export interface RecordParser {
  readonly format: 'pcap' | 'pcapng';
  /** Bytes of file header before the first record (pcap: 24; pcapng: 0, its header is a block). */
  readonly headerLength: number;
  /** Set by parse() when it returns INCOMPLETE; after PACKET/OTHER, the bytes consumed. */
  readonly length: number;
  /** Link types of every interface seen so far. */
  linkTypes(): readonly number[];
  /**
   * Parses the record at `buf[at, end)`, whose first byte is at `fileOffset` in the file.
   * Streaming use (`count` true) numbers frames; on-demand use passes the frame number it knows.
   */
  parse(buf: Buffer, at: number, end: number, fileOffset: number, out: CaptureRecord, count: boolean): Parsed;
}

/** linkType of a record that is a frame for tshark but holds no packet (a pcapng custom block). */
export const NO_LINK_TYPE = -1;

/** Largest record we accept; tshark's own limit for Ethernet-like link types is 256 KiB, pcapng allows more. */
export const MAX_RECORD_BYTES = 64 * 1024 * 1024;
