// livetap live view: connects to /ws/{room_id} and shows chat, gifts (with
// streaks), likes and the viewer count as they happen; charts the room over
// time (viewers, likes and diamonds per minute of event time, with uPlot),
// ranks its top gifters, and shows the battle, goal, poll and pinned message
// in progress. Reconnects with the last frame's cursor, so a dropped
// connection loses nothing.
'use strict';

const MAX_ITEMS = 200;
const $ = (id) => document.getElementById(id);

const view = {
  ws: null,
  room: null,
  cursor: null,
  retry: 0,
  timer: null,
  events: 0,
  diamonds: 0,
  streaks: new Map(), // group key -> <li>
  minutes: new Map(), // minute of event time (ms) -> { viewers, likes, diamonds }
  gifters: new Map(), // user key -> { name, diamonds, first }
  chart: null,
  redraw: null, // pending chart/ranking redraw (at most 4 a second)
};
window.livetap = view; // for people poking at the page, and the browser test

const MINUTE = 60000;
const TOP_GIFTERS = 5;

function text(tag, cls, value) {
  const el = document.createElement(tag);
  if (cls) el.className = cls;
  el.textContent = value;
  return el;
}

function push(listId, li) {
  const list = $(listId);
  list.appendChild(li);
  while (list.children.length > MAX_ITEMS) list.removeChild(list.firstChild);
}

function who(user) {
  if (!user) return '?';
  return user.nickname || user.unique_id || String(user.id);
}

function setState(state, label) {
  const el = $('state');
  el.className = 'state ' + state;
  el.textContent = label || state;
}

function notice(message) {
  const el = $('notice');
  el.hidden = !message;
  el.textContent = message || '';
}

function fmt(n) {
  return typeof n === 'number' ? n.toLocaleString('en-US') : '–';
}

function onChat(ev) {
  const li = document.createElement('li');
  li.className = 'chat';
  li.appendChild(text('span', 'nick', who(ev.user)));
  li.appendChild(text('span', 'content', ev.content || ''));
  push('chat', li);
}

// A streak is one group_id of one sender; each event carries the cumulative
// repeat_count, so the streak's row is updated in place and marked closed.
function onGift(ev) {
  const key = (ev.user && ev.user.id) + ':' + ev.group_id + ':' + ev.gift_id;
  let li = ev.streakable ? view.streaks.get(key) : null;
  if (!li) {
    li = document.createElement('li');
    li.className = 'gift';
    if (ev.gift_image_url) {
      const img = document.createElement('img');
      img.alt = '';
      img.onerror = () => img.remove(); // an image host that is gone is no reason for a broken icon
      img.src = ev.gift_image_url;
      li.appendChild(img);
    }
    li.appendChild(text('span', 'nick', who(ev.user)));
    li.appendChild(text('span', 'name', ev.gift_name || ('gift ' + ev.gift_id)));
    li.appendChild(text('span', 'count', ''));
    push('gifts', li);
    if (ev.streakable) view.streaks.set(key, li);
  }
  li.querySelector('.count').textContent = ' x' + (ev.repeat_count || 1);
  if (!ev.streakable || ev.streak_closed || ev.repeat_end) {
    li.classList.add('closed');
    view.streaks.delete(key);
  }
  const added = Number(ev.diamonds_added || 0);
  view.diamonds += added;
  $('diamonds').textContent = fmt(view.diamonds);
  minute(ev).diamonds += added;
  giftedBy(ev, added);
  schedule();
}

function onLike(ev) {
  $('likes').textContent = fmt(ev.total_max || ev.total);
  minute(ev).likes += Number(ev.count || 0);
  schedule();
}

function onViewers(ev) {
  $('viewers').textContent = fmt(ev.viewer_count);
  minute(ev).viewers = Number(ev.viewer_count);
  schedule();
}

// --- the room over time -------------------------------------------------

function minute(ev) {
  const t = Math.floor(Number(ev.event_time) / MINUTE) * MINUTE;
  let m = view.minutes.get(t);
  if (!m) { m = { viewers: null, likes: 0, diamonds: 0 }; view.minutes.set(t, m); }
  return m;
}

// Ids above 2^53 do not survive JSON.parse, so a gifter is known by handle.
function giftedBy(ev, diamonds) {
  if (!ev.user || !diamonds) return;
  const key = ev.user.unique_id || String(ev.user.id);
  let g = view.gifters.get(key);
  if (!g) {
    g = { name: who(ev.user), handle: ev.user.unique_id, diamonds: 0, first: view.gifters.size };
    view.gifters.set(key, g);
  }
  g.diamonds += diamonds;
}

function chartData() {
  const keys = [...view.minutes.keys()].sort((a, b) => a - b);
  const rows = keys.map((k) => view.minutes.get(k));
  return [keys.map((k) => k / 1000), rows.map((m) => m.viewers), rows.map((m) => m.likes),
          rows.map((m) => m.diamonds)];
}

// A room's first minutes are a point or two: show at least ten minutes.
function frameChart(xs) {
  const last = xs[xs.length - 1];
  view.chart.setScale('x', { min: Math.min(xs[0], last - 540), max: last + 60 });
}

function drawChart() {
  const data = chartData();
  if (view.chart) { view.chart.setData(data); frameChart(data[0]); return; }
  if (typeof uPlot === 'undefined' || !data[0].length) return;
  const box = $('chart');
  const grid = { stroke: '#262a33', width: 1 };
  view.chart = new uPlot({
    width: Math.max(320, box.clientWidth),
    height: 220,
    scales: { x: { time: true }, v: {}, n: {} },
    series: [
      {},
      { label: 'viewers', scale: 'v', stroke: '#30d158', width: 2, spanGaps: true },
      { label: 'likes/min', scale: 'n', stroke: '#ff2d55', width: 2 },
      { label: 'diamonds/min', scale: 'n', stroke: '#ffd60a', width: 2 },
    ],
    axes: [
      { stroke: '#8a8f98', grid },
      { scale: 'v', stroke: '#30d158', grid },
      { scale: 'n', side: 1, size: 64, stroke: '#8a8f98', grid: { show: false } },
    ],
  }, data, box);
  frameChart(data[0]);
}

function drawGifters() {
  const top = [...view.gifters.values()]
    .sort((a, b) => b.diamonds - a.diamonds || a.first - b.first).slice(0, TOP_GIFTERS);
  const list = $('top-gifters');
  list.textContent = '';
  for (const g of top) {
    const li = text('li', '', g.name);
    if (g.handle) li.appendChild(text('span', 'handle', '@' + g.handle));
    li.appendChild(text('span', 'score', fmt(g.diamonds)));
    list.appendChild(li);
  }
}

function schedule() {
  if (view.redraw) return;
  view.redraw = setTimeout(() => { view.redraw = null; drawChart(); drawGifters(); }, 250);
}

// --- what is going on in the room: battle, goal, poll, pinned message ----

function card(id, build) {
  const el = $(id);
  const body = el.querySelector('.body');
  body.textContent = '';
  el.hidden = !build(body);
  $('cards-empty').hidden = ['battle', 'goal', 'poll', 'pin'].some((c) => !$(c).hidden);
}

function bar(parent, value, max) {
  const b = text('div', 'bar', '');
  const fill = document.createElement('span');
  fill.style.width = (max > 0 ? Math.min(100, (100 * value) / max) : 0) + '%';
  b.appendChild(fill);
  parent.appendChild(b);
}

function row(parent, label, value) {
  const r = text('div', 'row', '');
  r.appendChild(text('span', 'label', label));
  r.appendChild(text('span', 'score', value));
  parent.appendChild(r);
  return r;
}

// battle (start/finish) and battle_armies (score updates) share the teams.
function onBattle(ev) {
  card('battle', (body) => {
    const teams = ev.teams || [];
    if (ev.type === 'battle' && ev.action_name) body.appendChild(text('div', 'phase', ev.action_name));
    const max = Math.max(1, ...teams.map((t) => Number(t.score || 0)));
    teams.forEach((t, i) => {
      const top = (t.contributors || [])[0];
      row(body, 'team ' + (i + 1) + (top && top.nickname ? ' · ' + top.nickname : ''), fmt(Number(t.score || 0)));
      bar(body, Number(t.score || 0), max);
    });
    return teams.length > 0 || !!ev.action_name;
  });
}

function onGoal(ev) {
  card('goal', (body) => {
    const target = Number(ev.target ?? 0);
    const progress = Number(ev.progress ?? ev.contribute_count ?? 0);
    body.appendChild(text('div', 'label', ev.description || 'LIVE goal'));
    row(body, ev.contributor_display_id ? '+ ' + ev.contributor_display_id : 'progress',
        fmt(progress) + (target ? ' / ' + fmt(target) : ''));
    if (target) bar(body, progress, target);
    return true;
  });
}

// Options with their votes (option_votes), or only their texts (options).
function onPoll(ev) {
  card('poll', (body) => {
    body.appendChild(text('div', 'label', (ev.title || 'Poll') + (ev.action === 'end' ? ' (ended)' : '')));
    const options = ev.option_votes && ev.option_votes.length
      ? ev.option_votes.map((o) => ({ text: o.text || '', votes: o.votes }))
      : (ev.options || []).map((o) => ({ text: o, votes: null }));
    const total = options.reduce((n, o) => n + Number(o.votes || 0), 0);
    for (const o of options) {
      row(body, o.text, o.votes == null ? '' : fmt(Number(o.votes)));
      if (o.votes != null) bar(body, Number(o.votes), total);
    }
    return true;
  });
}

function onPin(ev) {
  card('pin', (body) => {
    if (ev.action === 2) return false; // unpinned
    const r = text('div', 'pinned', '');
    r.appendChild(text('span', 'nick', who(ev.pinned_user)));
    r.appendChild(text('span', 'content', ev.pinned_content || ''));
    body.appendChild(r);
    return true;
  });
}

function onActivity(label) {
  push('activity', text('li', 'activity', label));
}

function onFrame(data) {
  let ev;
  try { ev = JSON.parse(data); } catch (e) { return; }
  if (ev.cursor) view.cursor = ev.cursor;
  if (ev.type !== 'error' && ev.source !== 'sidecar') { view.events++; $('events').textContent = fmt(view.events); }
  switch (ev.type) {
    case 'chat': onChat(ev); break;
    case 'gift': onGift(ev); break;
    case 'like': onLike(ev); break;
    case 'viewers': onViewers(ev); break;
    case 'member': onActivity(who(ev.user) + ' joined'); break;
    case 'social': onActivity(who(ev.user) + ' ' + (ev.action === 'share' ? 'shared' : ev.action === 'follow' ? 'followed' : ev.action)); break;
    case 'control': onActivity('stream ' + (ev.action_name || ev.action)); break;
    case 'battle': case 'battle_armies': onBattle(ev); break;
    case 'goal_update': onGoal(ev); break;
    case 'poll': onPoll(ev); break;
    case 'room_pin': onPin(ev); break;
    case 'status':
      if (ev.source === 'sidecar') { // Kafka outage notices: not the room's status
        onActivity('stream ' + ev.state);
        notice(ev.state === 'delayed' ? ev.message : null);
        break;
      }
      onActivity('room ' + ev.state + (ev.reason ? ' (' + ev.reason + ')' : ''));
      if (ev.state === 'live') notice(null);
      break;
    case 'error':
      notice(ev.message + (ev.details ? ': ' + ev.details : ''));
      break;
    default: break;
  }
}

function connect() {
  clearTimeout(view.timer);
  const params = new URLSearchParams();
  if (view.cursor) params.set('cursor', view.cursor);
  const token = new URLSearchParams(location.search).get('access_token');
  if (token) params.set('access_token', token);
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const qs = params.toString();
  const url = scheme + '//' + location.host + '/ws/' + encodeURIComponent(view.room) + (qs ? '?' + qs : '');
  setState('connecting', 'connecting');
  const ws = new WebSocket(url);
  view.ws = ws;
  ws.onopen = () => { view.retry = 0; setState('live', 'live'); };
  ws.onmessage = (m) => onFrame(m.data);
  ws.onclose = (e) => {
    if (view.ws !== ws) return;
    // 1008: the request itself is refused (bad room, auth): do not retry.
    if (e.code === 1008) { setState('error', 'closed (' + e.code + ')'); return; }
    setState('connecting', 'reconnecting');
    const delay = Math.min(30000, 500 * 2 ** view.retry++);
    view.timer = setTimeout(connect, delay);
  };
}

function watch(room) {
  if (view.ws) { const old = view.ws; view.ws = null; old.close(1000); }
  Object.assign(view, { room, cursor: null, retry: 0, events: 0, diamonds: 0 });
  view.streaks.clear();
  view.minutes.clear();
  view.gifters.clear();
  clearTimeout(view.redraw);
  view.redraw = null;
  if (view.chart) { view.chart.destroy(); view.chart = null; }
  $('top-gifters').textContent = '';
  for (const id of ['battle', 'goal', 'poll', 'pin']) $(id).hidden = true;
  $('cards-empty').hidden = false;
  for (const id of ['chat', 'gifts', 'activity']) $(id).textContent = '';
  for (const id of ['viewers', 'likes']) $(id).textContent = '–';
  $('diamonds').textContent = '0';
  $('events').textContent = '0';
  notice(null);
  $('room').value = room;
  remember(room);
  if (location.pathname !== '/rooms/' + room) history.replaceState(null, '', '/rooms/' + encodeURIComponent(room) + location.search);
  connect();
}

function remember(room) {
  let recent = [];
  try { recent = JSON.parse(localStorage.getItem('livetap.recent') || '[]'); } catch (e) { recent = []; }
  recent = [room, ...recent.filter((r) => r !== room)].slice(0, 8);
  try { localStorage.setItem('livetap.recent', JSON.stringify(recent)); } catch (e) { /* private mode */ }
  const box = $('recent');
  box.textContent = '';
  for (const r of recent) {
    const a = text('a', '', r);
    a.href = '/rooms/' + encodeURIComponent(r);
    a.onclick = (e) => { e.preventDefault(); watch(r); };
    box.appendChild(a);
  }
}

$('picker').addEventListener('submit', (e) => {
  e.preventDefault();
  const room = $('room').value.trim();
  if (room) watch(room);
});

const match = location.pathname.match(/^\/rooms\/([^/]+)$/);
if (match) watch(decodeURIComponent(match[1]));
