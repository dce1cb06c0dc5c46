// The window's Activity view: spend, bars per model and client, limits, budget and the live list.
// Everything is drawn with plain elements and textContent (CSP: no inline script or style attribute
// injection, no remote script); data comes only through window.relay.
import type { RelayApi } from '../shared/ipc.js';
import type { ActivityGroup, ActivityRange, ActivityRow, ActivitySnapshot, RateLimitView } from '../shared/usage.js';
import { envLine } from '../shared/usage.js';
import { el, setBar, setText, show } from './dom.js';
import { barFraction, budgetLabel, count, counted, formatCredits, formatLatency, parseBudgetField, rangeLabel, resetLabel, timeOfDay } from './activity-format.js';

const MAX_RECENT = 50;

function make<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function renderChart(id: string, groups: ActivityGroup[], unit: 'credits' | 'requests'): void {
  const value = (g: ActivityGroup) => (unit === 'credits' ? g.credits : g.requests);
  const max = Math.max(0, ...groups.map(value));
  const rows = groups.map((g) => {
    const row = make('div', 'chart-row');
    row.setAttribute('role', 'listitem');
    const label = make('span', 'chart-label', g.key);
    label.title = g.key;
    const track = make('span', 'chart-track');
    const fill = make('span', 'chart-fill');
    fill.style.width = `${Math.round(barFraction(value(g), max) * 100)}%`;
    track.append(fill);
    const number = make('span', 'chart-value num', unit === 'credits' ? formatCredits(g.credits) : count(g.requests));
    row.append(label, track, number);
    row.setAttribute('aria-label', `${g.key}: ${unit === 'credits' ? `${formatCredits(g.credits)} credits` : `${count(g.requests)} requests`}`);
    return row;
  });
  el(id).replaceChildren(...(rows.length ? rows : [make('p', 'muted small-text', 'Nothing in this range.')]));
}

function renderLimits(limits: RateLimitView[], now: number): void {
  const rows = limits.map((l) => {
    const row = make('div', `limit-row${l.reached ? ' reached' : ''}`);
    row.setAttribute('role', 'listitem');
    const name = make('span', 'limit-name', l.label.replace(/ limit$/, ''));
    const track = make('span', 'bar limit-track');
    const fill = make('span', 'bar-fill');
    track.append(fill);
    const used = l.reached ? 'reached' : l.usedPercent === null ? '—' : `${Math.round(l.usedPercent)} %`;
    const reset = resetLabel(l.resetsAt, now);
    const text = make('span', 'limit-text num', reset ? `${used} · resets ${reset}` : used);
    row.append(name, track, text);
    fill.style.width = `${Math.round(Math.min(100, l.reached ? 100 : l.usedPercent ?? 0))}%`;
    if (l.reached || (l.usedPercent ?? 0) >= 90) fill.classList.add('danger');
    return row;
  });
  el('limits').replaceChildren(...(rows.length ? rows : [make('p', 'muted small-text', 'None seen yet: Copilot reports them with its answers.')]));
}

function recentItem(row: ActivityRow, unit: 'credits' | 'requests'): HTMLLIElement {
  const item = make('li', `recent-row${row.status >= 400 ? ' failed' : ''}`);
  const top = make('div', 'recent-top');
  const cost = unit === 'credits' ? formatCredits(row.credits) : row.premiumRequests === null ? '—' : String(row.premiumRequests);
  top.append(
    make('span', 'recent-time num', timeOfDay(row.at)),
    make('span', 'recent-client', row.client),
    make('span', 'recent-status num', String(row.status)),
    make('span', 'recent-latency num', row.status >= 400 && row.latencyMs < 50 ? '—' : formatLatency(row.latencyMs)),
    make('span', 'recent-cost num', cost),
  );
  const detail = make('div', 'recent-detail muted', [row.model ?? 'no model', row.path, row.errorCode].filter(Boolean).join(' · '));
  item.append(top, detail);
  return item;
}

export function initActivity(relay: RelayApi): { show(): void; hide(): void } {
  let range: ActivityRange = 'today';
  let snapshot: ActivitySnapshot | null = null;
  let visible = false;
  let refreshTimer: number | null = null;

  function render(data: ActivitySnapshot): void {
    snapshot = data;
    const now = Date.now();
    const unit = data.billingUnit;
    const unitWord = unit === 'credits' ? 'credits' : 'premium requests';
    show('activity-unavailable', !data.ledgerAvailable);
    setText('spend-label', 'Spent today');
    setText('spend-today', unit === 'credits' ? formatCredits(data.today.credits) : count(data.today.premiumRequests));
    setText('spend-unit', unitWord);
    const budget = data.budget;
    setText('spend-budget', budget ? `(budget ${budgetLabel(budget)})` : '');
    show('budget-track', budget !== null);
    show('budget-state', budget !== null);
    if (budget) {
      const fraction = budget.usedCredits / budget.limitCredits;
      setBar('budget-fill', fraction, -1);
      el('budget-fill').classList.toggle('warn', fraction >= 0.8 && fraction < 1);
      el('budget-fill').classList.toggle('danger', fraction >= 1);
      el('budget-track').setAttribute('aria-valuenow', String(Math.round(fraction * 100)));
      const reset = resetLabel(budget.resetsAt, now);
      setText('budget-state', fraction >= 1
        ? `Over budget: ${formatCredits(budget.usedCredits)} of ${budgetLabel(budget).split('/')[0]} credits used. Requests are refused until ${reset}.`
        : `${Math.round(fraction * 100)} % of the ${budget.period === 'day' ? 'daily' : 'monthly'} budget used · resets ${reset}`);
      el('budget-state').classList.toggle('error-text', fraction >= 1);
    }
    const selected = data.selected;
    setText('spend-range', `${rangeLabel(data.range)}: ${unit === 'credits' ? `${formatCredits(selected.credits)} credits` : `${count(selected.premiumRequests)} premium requests`} · ${counted(selected.requests, 'request')}${selected.errors ? ` · ${counted(selected.errors, 'error')}` : ''}`);

    const empty = data.recent.length === 0 && data.ledgerAvailable;
    show('activity-empty', empty);
    show('activity-charts', !empty);
    show('activity-recent', !empty);
    const url = data.proxyUrl ?? 'http://127.0.0.1:4141/v1';
    setText('env-openai', envLine('openai', url));
    setText('env-anthropic', envLine('anthropic', url));
    renderChart('by-model', data.byModel, unit);
    renderChart('by-client', data.byClient, unit);
    renderLimits(data.rateLimits, now);
    el('recent').replaceChildren(...data.recent.slice(0, MAX_RECENT).map((r) => recentItem(r, unit)));

    const editor = el<HTMLInputElement>('budget-credits');
    if (document.activeElement !== editor) editor.value = budget ? String(budget.limitCredits) : '';
    if (budget) el<HTMLSelectElement>('budget-period').value = budget.period;
  }

  async function refresh(): Promise<void> {
    render(await relay.getActivity(range));
  }

  /** A live row: listed at once; the sums and bars follow within a second (one fetch per burst). */
  function onRow(row: ActivityRow): void {
    if (!visible || !snapshot) return;
    const list = el('recent');
    list.prepend(recentItem(row, snapshot.billingUnit));
    while (list.children.length > MAX_RECENT) list.lastElementChild?.remove();
    show('activity-empty', false);
    show('activity-charts', true);
    show('activity-recent', true);
    if (refreshTimer === null) {
      refreshTimer = window.setTimeout(() => {
        refreshTimer = null;
        void refresh();
      }, 1000);
    }
  }

  relay.onActivity(onRow);
  el<HTMLSelectElement>('activity-range').addEventListener('change', () => {
    range = el<HTMLSelectElement>('activity-range').value as ActivityRange;
    void refresh();
  });
  for (const kind of ['openai', 'anthropic'] as const) {
    el(`copy-env-${kind}`).addEventListener('click', () => {
      void relay.copyEnvLine(kind).then((result) => setText('env-result', result.ok ? 'Copied.' : result.message ?? 'Could not copy.'));
    });
  }
  el('budget-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const input = el<HTMLInputElement>('budget-credits');
    const limit = parseBudgetField(input.value);
    if (limit === undefined) {
      input.setAttribute('aria-invalid', 'true');
      setText('budget-message', 'Enter a positive number of AI credits, or leave it empty for no budget.');
      return;
    }
    input.removeAttribute('aria-invalid');
    const period = el<HTMLSelectElement>('budget-period').value === 'day' ? 'day' : 'month';
    void relay.setBudget({ limitCredits: limit, period }).then(async (result) => {
      setText('budget-message', result.ok ? result.message ?? (limit === null ? 'Budget removed.' : `Budget set to ${budgetLabel({ limitCredits: limit, period })}.`) : result.message ?? 'The budget could not be saved.');
      await refresh();
    });
  });

  return {
    show() {
      visible = true;
      void refresh();
    },
    hide() {
      visible = false;
    },
  };
}
