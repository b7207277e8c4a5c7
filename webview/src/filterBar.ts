/**
 * The two filter boxes above the conversation table: a text match (debounced, applied by the
 * server to every row) and a Wireshark display filter (debounced longer: each run is a tshark pass;
 * a newer one cancels the running one). tshark's complaint about a bad filter shows under its box,
 * as text. Display only: matching happens in the server.
 */
import { element } from './dom';

const TEXT_DEBOUNCE_MS = 200;
const DISPLAY_FILTER_DEBOUNCE_MS = 500;

export interface FilterBarHandlers {
  text(text: string): void;
  /** Runs the display filter (the empty string clears it). */
  displayFilter(expression: string): void;
}

function debounced(delayMs: number, run: () => void): { schedule(): void; now(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return {
    schedule() {
      clearTimeout(timer);
      timer = setTimeout(run, delayMs);
    },
    now() {
      clearTimeout(timer);
      run();
    },
  };
}

export class FilterBar {
  readonly element: HTMLElement;
  private readonly textBox: HTMLInputElement;
  private readonly filterBox: HTMLInputElement;
  private readonly filterError: HTMLElement;
  private readonly filterState: HTMLElement;
  private readonly count: HTMLElement;
  /** The expression whose answer is awaited; older answers are ignored. */
  private running?: string;

  constructor(handlers: FilterBarHandlers) {
    this.textBox = element('input', {
      id: 'text-filter',
      type: 'search',
      placeholder: 'Filter: address, method, path, status, rule…',
      'aria-label': 'Filter conversations by text: addresses, methods, targets, statuses, finding rule ids',
      spellcheck: 'false',
    });
    this.filterBox = element('input', {
      id: 'display-filter',
      type: 'search',
      placeholder: 'Display filter, e.g. http.request.method == "POST"',
      'aria-label': 'Wireshark display filter (tshark -Y)',
      'aria-describedby': 'display-filter-error',
      spellcheck: 'false',
    });
    this.filterError = element('div', { id: 'display-filter-error', class: 'filter-error', role: 'alert', hidden: '' });
    this.filterState = element('span', { id: 'display-filter-state', class: 'filter-state', 'aria-live': 'polite' });
    this.count = element('span', { id: 'conversation-count', role: 'status', 'aria-live': 'polite' });

    const text = debounced(TEXT_DEBOUNCE_MS, () => handlers.text(this.textBox.value));
    const filter = debounced(DISPLAY_FILTER_DEBOUNCE_MS, () => {
      this.running = this.filterBox.value.trim();
      this.filterState.textContent = this.running ? 'filtering…' : '';
      handlers.displayFilter(this.running);
    });
    this.textBox.addEventListener('input', () => text.schedule());
    this.filterBox.addEventListener('input', () => filter.schedule());
    this.textBox.addEventListener('keydown', (event) => event.key === 'Enter' && text.now());
    this.filterBox.addEventListener('keydown', (event) => event.key === 'Enter' && filter.now());

    const textField = element('label', { class: 'filter-field' });
    textField.append(element('span', { class: 'filter-label' }, 'Find'), this.textBox);
    const filterField = element('label', { class: 'filter-field' });
    filterField.append(element('span', { class: 'filter-label' }, 'Display filter'), this.filterBox, this.filterState);
    const row = element('div', { class: 'filter-row' });
    row.append(textField, filterField, this.count);
    this.element = element('div', { id: 'filters', role: 'search', 'aria-label': 'Conversation filters' });
    this.element.append(row, this.filterError);
  }

  /** The display filter a capture opens with (the wirelens.displayFilter setting). */
  setDisplayFilter(expression: string): void {
    this.filterBox.value = expression;
    this.running = expression.trim();
  }

  /** tshark's answer for `expression`: an error under the box, or how many streams matched. */
  displayFilterResult(expression: string, result: { error?: string; matchedStreams?: number }): boolean {
    if (expression !== this.running) return false;
    this.running = undefined;
    const error = result.error;
    this.filterError.hidden = !error;
    this.filterError.textContent = error ?? '';
    this.filterBox.setAttribute('aria-invalid', String(Boolean(error)));
    const matched = result.matchedStreams;
    this.filterState.textContent = error ? 'invalid' : matched !== undefined ? `${matched.toLocaleString('en-US')} ${matched === 1 ? 'stream matches' : 'streams match'}` : '';
    return !error;
  }

  showCount(shown: number, unfiltered: number): void {
    this.count.textContent =
      shown === unfiltered ? `${unfiltered.toLocaleString('en-US')} conversations` : `${shown.toLocaleString('en-US')} of ${unfiltered.toLocaleString('en-US')} conversations`;
  }
}
