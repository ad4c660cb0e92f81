// Live messages that survive disconnects: reconnects by itself with the last
// seq it saw, so the server replays exactly what was missed (or sends a
// snapshot when too far behind). Pages never need a reload, but for one: the hall's
// definition changed (hall.reloaded, `hallq reload`), when the page loads itself again
// after a few seconds, spread so every server process has taken the new hall first.
//
//   const live = new LiveFeed({token, topics: ["hall"], onEvent, onSnapshot, onQueues, onStatus});
//   live.start();
//
// A manager of several halls names the hall to follow: new LiveFeed({token, hall: "township", ...}).
//
// A phone follows one ticket instead: new LiveFeed({ticket, onSnapshot, onEvent, onTicketStatus}).
// A socket the server ends for good (its device was revoked: close code 4403) is not
// reopened: onEnded(reason) says why, e.g. "device_revoked", for the page to show.
import { EVENT_KINDS, MESSAGE_TYPES } from "/static/common/events.js";

const RELOAD_AFTER_MS = [1000, 4000]; // after a hall.reloaded event: from, to

const ignore = () => {};
const ENDED = 4403; // server.live_feed.ENDED: the socket's device was revoked

export class LiveFeed {
  constructor({
    token, topics = ["hall"], ticket = null, hall = null,
    onEvent = ignore, onSnapshot = ignore, onQueues = ignore, onTicketStatus = ignore, onStatus = ignore,
    onEnded = ignore,
  }) {
    this.token = token;
    this.topics = topics;
    this.ticket = ticket; // a phone follows one ticket by its status token
    this.hall = hall; // null: the caller's own hall
    this.onEvent = onEvent; // (event, replayed): replayed events happened while this page was away
    this.onSnapshot = onSnapshot;
    this.onQueues = onQueues;
    this.onTicketStatus = onTicketStatus;
    this.onStatus = onStatus;
    this.onEnded = onEnded;
    this.lastSeq = null;
    this.helloSeq = null; // the hall's seq when this connection opened: events up to it are replayed
    this.retryMs = 500;
    this.stopped = false;
    this.socket = null;
  }

  url() {
    const params = new URLSearchParams();
    if (this.ticket) params.set("ticket", this.ticket);
    else {
      params.set("token", this.token);
      params.set("topics", this.topics.join(","));
      if (this.hall) params.set("hall", this.hall);
    }
    if (this.lastSeq !== null) params.set("since", String(this.lastSeq));
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    return `${scheme}//${location.host}/api/v1/live?${params}`;
  }

  start() {
    this.stopped = false;
    this.connect();
    // A socket can die silently (sleeping laptop, pulled cable): ping, and
    // reconnect when no pong comes back.
    this.pinger = setInterval(() => this.ping(), 10000);
  }

  stop() {
    this.stopped = true;
    clearInterval(this.pinger);
    if (this.socket) this.socket.close();
  }

  connect() {
    if (this.stopped) return; // stopped while a reconnect was waiting
    const socket = new WebSocket(this.url());
    this.socket = socket;
    socket.onopen = () => {
      this.retryMs = 500;
      this.awaitingPong = false;
      this.onStatus("online");
    };
    socket.onmessage = (message) => this.receive(JSON.parse(message.data));
    socket.onclose = (closed) => {
      if (this.socket !== socket || this.stopped) return;
      if (closed.code === ENDED) {
        this.stop();
        this.onEnded(closed.reason || "device_revoked");
        return;
      }
      this.onStatus("offline");
      setTimeout(() => this.connect(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 10000);
    };
    socket.onerror = () => socket.close();
  }

  ping() {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    if (this.awaitingPong) {
      socket.close();
      return;
    }
    this.awaitingPong = true;
    socket.send(JSON.stringify({ type: "ping" }));
  }

  receive(message) {
    switch (message.type) {
      case MESSAGE_TYPES.HELLO:
        this.helloSeq = message.seq ?? null;
        break;
      case MESSAGE_TYPES.PONG:
        this.awaitingPong = false;
        break;
      case MESSAGE_TYPES.SNAPSHOT:
        this.lastSeq = message.seq;
        this.onSnapshot(message);
        break;
      case MESSAGE_TYPES.EVENT:
        if (this.lastSeq !== null && message.seq <= this.lastSeq) return;
        this.lastSeq = message.seq;
        if (message.kind === EVENT_KINDS.HALL_RELOADED) return reloadSoon();
        this.onEvent(message, this.helloSeq !== null && message.seq <= this.helloSeq);
        break;
      case MESSAGE_TYPES.QUEUES: // figures are not sequenced: they never move lastSeq
        this.onQueues(message);
        break;
      case MESSAGE_TYPES.TICKET_STATUS:
        this.onTicketStatus(message);
        break;
    }
  }
}

/** Load the page again with the new hall definition, a moment later. */
function reloadSoon() {
  const [from, to] = RELOAD_AFTER_MS;
  setTimeout(() => location.reload(), from + Math.random() * (to - from));
}

/** Mark the page online or offline (body[data-live], body.offline shows the offline marker). */
export function showLiveStatus(status) {
  document.body.dataset.live = status;
  document.body.classList.toggle("offline", status !== "online");
}
