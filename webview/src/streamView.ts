/**
 * The stream view pane of the capture editor: one conversation's bytes as the server laid them
 * out (protocol/model.ts StreamView), client and server in two theme colours, findings
 * highlighted with a tooltip (rule, RFC section, verdicts), a hex toggle, and each body decoded.
 * Display only: the text arrives escaped, the finding positions arrive computed. Every wire byte
 * goes in through textContent. Long streams are drawn in pieces: text a batch of lines at a
 * time as the pane scrolls, hex as a virtual list that only builds the rows in sight.
 */
import type { DecodedBodyView, Direction, StreamView, StreamViewFinding } from '../../protocol/model';
import type { FromWebviewMessage, StreamViewMessage } from '../../protocol/webviewProtocol';
import { element, formatBytes } from './dom';
import { Tag } from './toolkit';

const SIDE: Record<Direction, string> = { 'client-to-server': 'client', 'server-to-client': 'server' };
/** Text lines drawn per batch; the next batch comes when the pane scrolls near the end. */
const LINES_PER_BATCH = 1500;
const HEX_ROW_HEIGHT = 18;
const BYTES_PER_ROW = 16;
/** Hex rows drawn beyond the visible ones, above and below. */
const HEX_OVERSCAN = 30;

function endpoint(e: { address: string; port: number }): string {
  return e.address.includes(':') ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;
}

function fromBase64(data: string): Uint8Array {
  const binary = atob(data);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** A hex dump row: offset, sixteen bytes, and the printable ASCII ('.' for anything else). */
function hexRow(bytes: Uint8Array, start: number, offset: number, marked: (offset: number) => number | undefined, side: string): HTMLElement {
  const row = element('div', { class: `hex-row ${side}` });
  // Real spaces between the columns, so a copied row reads as a hex dump.
  row.append(element('span', { class: 'hex-offset' }, offset.toString(16).padStart(8, '0')), '  ');
  const hex = element('span', { class: 'hex-bytes' });
  let ascii = '';
  for (let i = 0; i < BYTES_PER_ROW; i++) {
    const at = start + i;
    if (at >= bytes.length) {
      hex.append('   ');
      continue;
    }
    const finding = marked(offset + i);
    const cell = element('span', finding === undefined ? {} : { class: 'anomaly', 'data-finding': String(finding), tabindex: '0' }, HEX[bytes[at]]);
    hex.append(cell, i === 7 ? '  ' : ' ');
    ascii += bytes[at] >= 0x20 && bytes[at] < 0x7f ? String.fromCharCode(bytes[at]) : '.';
  }
  row.append(hex, ' ', element('span', { class: 'hex-ascii' }, ascii));
  return row;
}

/** The tooltip's text for a finding: what a person needs to judge it, no markup. */
export function tooltipLines(finding: StreamViewFinding): string[] {
  const { ruleId, severity, message, direction, offset, length, frame } = finding.finding;
  const rfc = finding.rfc ? ` — ${finding.rfc.document} §${finding.rfc.section}` : '';
  return [
    `${finding.title} [${ruleId}]${rfc}`,
    `${severity}: ${message}`,
    ...finding.verdicts.map((v) => `${v.implementation}: ${v.outcome} — ${v.summary}`),
    `${direction}, bytes ${offset}–${offset + length}, frame ${frame}`,
  ];
}

export class StreamViewPane {
  readonly element: HTMLElement;
  private readonly title: HTMLElement;
  private readonly note: HTMLElement;
  private readonly content: HTMLElement;
  private readonly bodies: HTMLElement;
  private readonly hexToggle: HTMLElement;
  private readonly tooltip: HTMLElement;
  private view?: StreamView;
  private hex = false;
  private pending?: number;
  private nextRequest = 1;
  /** Text mode: lines still to draw, as [run, line] pairs, and the run element each goes in. */
  private queue: { run: number; line: number }[] = [];
  private runElements: HTMLElement[] = [];
  /** Hex mode: which run and byte each virtual row starts at. */
  private hexRows: { run: number; start: number }[] = [];
  private runBytes: Uint8Array[] = [];
  private hexBody?: HTMLElement;
  /** Where the keyboard was when the pane opened: it goes back there when the pane closes. */
  private returnFocus?: HTMLElement;

  constructor(private readonly post: (message: FromWebviewMessage) => void) {
    this.element = element('section', { id: 'stream-view', 'aria-label': 'Stream view', hidden: '' });
    this.title = element('h2', { id: 'stream-title' });
    this.hexToggle = element(Tag.button, { appearance: 'secondary', id: 'stream-hex-toggle', 'aria-pressed': 'false' }, 'Hex');
    this.hexToggle.addEventListener('click', () => this.setHex(!this.hex));
    const close = element(Tag.button, { appearance: 'icon', id: 'stream-close', 'aria-label': 'Close the stream view', title: 'Close (Escape)' }, '✕');
    close.addEventListener('click', () => this.close());
    const legend = element('span', { class: 'stream-legend' });
    legend.append(element('span', { class: 'client' }, '■ client'), element('span', { class: 'server' }, '■ server'), element('span', { class: 'anomaly-key' }, 'finding'));
    const bar = element('div', { class: 'stream-bar' });
    bar.append(this.title, legend, this.hexToggle, close);
    this.note = element('p', { class: 'stream-note', role: 'status' });
    this.content = element('div', { id: 'stream-content', tabindex: '0', 'aria-label': 'Stream bytes: client and server in two colours' });
    this.content.addEventListener('scroll', () => (this.hex ? this.drawHexRows() : this.drawMoreText()));
    this.bodies = element('div', { id: 'stream-bodies', 'aria-label': 'Decoded bodies' });
    this.tooltip = element('div', { id: 'stream-tooltip', role: 'tooltip', hidden: '' });
    // Bytes on the left, decoded bodies on the right: each scrolls on its own.
    const main = element('div', { class: 'stream-main' });
    main.append(this.content, this.bodies);
    this.element.append(bar, this.note, main, this.tooltip);
    this.element.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') {
        if (!this.tooltip.hidden) this.hideTooltip();
        else this.close();
      }
    });
    // One set of listeners for every highlighted byte, drawn now or later.
    for (const [type, show] of [['mouseover', true], ['focusin', true], ['mouseout', false], ['focusout', false]] as const) {
      this.element.addEventListener(type, (event) => {
        const mark = (event.target as HTMLElement).closest<HTMLElement>('.anomaly[data-finding]');
        if (!mark) return;
        if (show) this.showTooltip(mark);
        else this.hideTooltip();
      });
    }
  }

  /** Keyboard and pointer ways in from the conversation table: V on a row. */
  listenOn(table: HTMLElement): void {
    table.addEventListener('keydown', (event) => {
      if (event.key !== 'v' && event.key !== 'V') return;
      const row = (event.target as HTMLElement).querySelector?.('.active[data-stream]') ?? (event.target as HTMLElement).closest('[data-stream]');
      const stream = Number((row as HTMLElement | null)?.dataset.stream);
      if (!Number.isInteger(stream)) return;
      event.preventDefault();
      this.open(stream);
    });
  }

  open(stream: number): void {
    if (this.element.hidden && document.activeElement instanceof HTMLElement) this.returnFocus = document.activeElement;
    this.pending = this.nextRequest++;
    this.element.hidden = false;
    this.title.textContent = `Stream ${stream}`;
    this.note.textContent = 'Reading the stream…';
    this.content.replaceChildren();
    this.bodies.replaceChildren();
    this.post({ type: 'requestStreamView', requestId: this.pending, stream });
  }

  close(): void {
    this.element.hidden = true;
    this.view = undefined;
    this.content.replaceChildren();
    this.bodies.replaceChildren();
    this.hideTooltip();
    if (this.returnFocus?.isConnected) this.returnFocus.focus();
    this.returnFocus = undefined;
  }

  receive(message: StreamViewMessage): void {
    if (message.requestId !== this.pending) return;
    this.pending = undefined;
    if (!message.view) {
      this.note.textContent = message.error ?? 'The stream could not be read.';
      return;
    }
    const view = message.view;
    this.view = view;
    this.runBytes = view.runs.map((run) => fromBase64(run.data));
    this.title.textContent = `Stream ${view.stream} · ${endpoint(view.client)} → ${endpoint(view.server)}`;
    const findings = view.findings.length ? ` · ${view.findings.length} finding${view.findings.length === 1 ? '' : 's'}` : '';
    this.note.textContent = `client sent ${formatBytes(view.clientBytes)}, server ${formatBytes(view.serverBytes)}${findings}${view.cut ? ` · ${view.cut}` : ''}`;
    this.draw();
    this.drawBodies(view.bodies);
    this.content.focus();
  }

  private setHex(on: boolean): void {
    this.hex = on;
    this.hexToggle.setAttribute('aria-pressed', String(on));
    this.hexToggle.textContent = on ? 'Text' : 'Hex';
    this.draw();
  }

  private draw(): void {
    this.hideTooltip();
    this.content.replaceChildren();
    this.content.scrollTop = 0;
    this.content.classList.toggle('hex', this.hex);
    if (!this.view) return;
    if (this.hex) this.startHex(this.view);
    else this.startText(this.view);
  }

  //#region text
  private startText(view: StreamView): void {
    this.queue = view.runs.flatMap((run, index) => run.lines.map((_, line) => ({ run: index, line })));
    this.runElements = view.runs.map((run, index) =>
      element('div', { class: `run ${SIDE[run.direction]}`, 'data-run': String(index), title: `${SIDE[run.direction]} · frame ${run.frame} · bytes ${run.offset}–${run.offset + run.length}` }),
    );
    this.drawMoreText();
  }

  /** Draws the next batch of lines once the end of what is drawn comes near. */
  private drawMoreText(): void {
    const view = this.view;
    if (!view || this.queue.length === 0) return;
    if (this.content.childElementCount > 0 && this.content.scrollTop + this.content.clientHeight < this.content.scrollHeight - 600) return;
    for (const { run, line } of this.queue.splice(0, LINES_PER_BATCH)) {
      const runElement = this.runElements[run];
      if (!runElement.isConnected) this.content.append(runElement);
      runElement.append(this.textLine(view, run, line));
    }
  }

  /** One line of a run, split where findings start and end. */
  private textLine(view: StreamView, run: number, line: number): HTMLElement {
    const text = view.runs[run].lines[line];
    const row = element('div', { class: 'line' });
    const cuts: { from: number; to: number; finding: number }[] = [];
    for (const mark of view.marks) {
      if (mark.run !== run || line < mark.startLine || line > mark.endLine) continue;
      const from = line === mark.startLine ? mark.startCharacter : 0;
      const to = line === mark.endLine ? mark.endCharacter : text.length;
      cuts.push({ from, to, finding: mark.finding });
    }
    cuts.sort((a, b) => a.from - b.from);
    let at = 0;
    for (const cut of cuts) {
      if (cut.from < at) continue; // overlapping findings: the first one drawn keeps the bytes
      if (cut.from > at) row.append(text.slice(at, cut.from));
      const label = `${view.findings[cut.finding].title}: press Escape to hide`;
      row.append(element('span', { class: `anomaly ${view.findings[cut.finding].finding.severity}`, 'data-finding': String(cut.finding), tabindex: '0', 'aria-label': label }, cut.to > cut.from ? text.slice(cut.from, cut.to) : '⚑'));
      at = Math.max(cut.to, cut.from);
    }
    if (at < text.length || text.length === 0) row.append(text.slice(at) || '\u200b');
    return row;
  }
  //#endregion

  //#region hex
  private startHex(view: StreamView): void {
    this.hexRows = [];
    view.runs.forEach((run, index) => {
      for (let start = 0; start < run.length; start += BYTES_PER_ROW) this.hexRows.push({ run: index, start });
    });
    this.hexBody = element('div', { class: 'hex-body' });
    this.hexBody.style.height = `${this.hexRows.length * HEX_ROW_HEIGHT}px`;
    this.content.append(this.hexBody);
    this.drawHexRows();
  }

  /** Builds only the rows in sight (plus a margin): a megabyte is 65 536 rows. */
  private drawHexRows(): void {
    const view = this.view;
    const body = this.hexBody;
    if (!view || !body) return;
    const first = Math.max(0, Math.floor(this.content.scrollTop / HEX_ROW_HEIGHT) - HEX_OVERSCAN);
    const last = Math.min(this.hexRows.length, Math.ceil((this.content.scrollTop + this.content.clientHeight) / HEX_ROW_HEIGHT) + HEX_OVERSCAN);
    if (body.dataset.first === String(first) && body.dataset.last === String(last)) return;
    body.dataset.first = String(first);
    body.dataset.last = String(last);
    const rows: HTMLElement[] = [];
    for (let i = first; i < last; i++) {
      const { run, start } = this.hexRows[i];
      const info = view.runs[run];
      const row = hexRow(this.runBytes[run], start, info.offset + start, (offset) => this.findingAt(info.direction, offset), SIDE[info.direction]);
      row.style.transform = `translateY(${i * HEX_ROW_HEIGHT}px)`;
      if (start === 0) row.classList.add('run-start');
      rows.push(row);
    }
    body.replaceChildren(...rows);
  }

  private findingAt(direction: Direction, offset: number): number | undefined {
    const index = this.view?.findings.findIndex(({ finding }) => finding.direction === direction && offset >= finding.offset && offset < finding.offset + finding.length);
    return index === undefined || index < 0 ? undefined : index;
  }
  //#endregion

  //#region bodies
  private drawBodies(bodies: readonly DecodedBodyView[]): void {
    if (bodies.length === 0) return;
    const heading = element('h3', {}, `Decoded bodies (${bodies.length})`);
    this.bodies.replaceChildren(heading, ...bodies.map((body, index) => this.bodyElement(body, index)));
  }

  private bodyElement(body: DecodedBodyView, index: number): HTMLElement {
    const details = element('details', { class: `body ${SIDE[body.direction]}`, 'data-body': String(index) });
    const codings = body.codings.length ? ` · ${body.codings.join(', ')}` : '';
    const sizes = body.decodedLength === body.wireLength ? formatBytes(body.wireLength) : `${formatBytes(body.wireLength)} on the wire → ${formatBytes(body.decodedLength)}`;
    details.append(element('summary', {}, `${body.label} · ${body.mediaType ?? 'no Content-Type'}${codings} · ${sizes}`));
    // Drawn when opened: a page of bodies costs nothing until someone looks.
    details.addEventListener('toggle', () => {
      if (!details.open || details.childElementCount > 1) return;
      for (const note of body.notes) details.append(element('p', { class: 'body-note' }, note));
      if (body.text !== undefined) details.append(element('pre', { class: `body-text ${body.kind}` }, body.text));
      else if (body.preview) {
        const bytes = fromBase64(body.preview);
        const hex = element('div', { class: 'body-hex' });
        for (let start = 0; start < bytes.length; start += BYTES_PER_ROW) hex.append(hexRow(bytes, start, start, () => undefined, SIDE[body.direction]));
        details.append(element('p', { class: 'body-note' }, `${body.kind === 'binary' ? 'Binary' : 'Body'}: ${formatBytes(body.decodedLength)}; the first ${bytes.length} bytes:`), hex);
      } else details.append(element('p', { class: 'body-note' }, 'Empty after decoding.'));
    });
    return details;
  }
  //#endregion

  //#region tooltip
  private showTooltip(mark: HTMLElement): void {
    const finding = this.view?.findings[Number(mark.dataset.finding)];
    if (!finding) return;
    const [first, ...rest] = tooltipLines(finding);
    this.tooltip.replaceChildren(element('strong', {}, first), ...rest.map((line) => element('div', {}, line)));
    this.tooltip.hidden = false;
    const box = mark.getBoundingClientRect();
    const pane = this.element.getBoundingClientRect();
    this.tooltip.style.left = `${Math.max(0, Math.min(box.left - pane.left, pane.width - this.tooltip.offsetWidth))}px`;
    // Below the bytes when it fits in the page, above them otherwise.
    const below = box.bottom + 4 + this.tooltip.offsetHeight <= window.innerHeight;
    this.tooltip.style.top = `${below ? box.bottom - pane.top + 4 : box.top - pane.top - 4 - this.tooltip.offsetHeight}px`;
    mark.setAttribute('aria-describedby', 'stream-tooltip');
  }

  private hideTooltip(): void {
    this.tooltip.hidden = true;
  }
  //#endregion
}
