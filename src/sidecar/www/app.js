// livetap live view: connects to /ws/{room_id} and shows chat, gifts (with
// streaks), likes and the viewer count as they happen. Reconnects with the
// last frame's cursor, so a dropped connection loses nothing.
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
};

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
  view.diamonds += Number(ev.diamonds_added || 0);
  $('diamonds').textContent = fmt(view.diamonds);
}

function onLike(ev) {
  $('likes').textContent = fmt(ev.total_max || ev.total);
}

function onViewers(ev) {
  $('viewers').textContent = fmt(ev.viewer_count);
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
