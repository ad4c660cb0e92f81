// Live events that survive disconnects: reconnects by itself with the last
// seq it saw, so the server replays exactly what was missed (or sends a
// snapshot when too far behind). Pages never need a reload.
//
//   const live = new LiveFeed({token, topics: ["hall"], onEvent, onSnapshot, onStatus});
//   live.start();
export class LiveFeed {
  constructor({ token, topics = ["hall"], ticket = null, onEvent, onSnapshot = () => {}, onStatus = () => {} }) {
    this.token = token;
    this.topics = topics;
    this.ticket = ticket; // a phone follows one ticket by its status token
    this.onEvent = onEvent;
    this.onSnapshot = onSnapshot;
    this.onStatus = onStatus;
    this.lastSeq = null;
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
    const socket = new WebSocket(this.url());
    this.socket = socket;
    socket.onopen = () => {
      this.retryMs = 500;
      this.awaitingPong = false;
      this.onStatus("online");
    };
    socket.onmessage = (message) => this.receive(JSON.parse(message.data));
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.onStatus("offline");
      if (!this.stopped) {
        setTimeout(() => this.connect(), this.retryMs);
        this.retryMs = Math.min(this.retryMs * 2, 10000);
      }
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
    if (message.type === "pong") {
      this.awaitingPong = false;
    } else if (message.type === "snapshot") {
      this.lastSeq = message.seq;
      this.onSnapshot(message);
    } else if (message.type === "event") {
      if (this.lastSeq !== null && message.seq <= this.lastSeq) return;
      this.lastSeq = message.seq;
      this.onEvent(message);
    }
  }
}
