// WebSocket with reconnect and backoff. On every (re)connect `onOpen` runs first,
// so a page can fetch "everything since cursor X" over REST before applying events.
// If sockets keep failing, `poll` (when given) is called every pollMs instead.

export function connectLive(path, { onEvent, onOpen = () => {}, onStatus = () => {}, poll = null, pollMs = 5000 } = {}) {
  let socket = null;
  let closed = false;
  let attempts = 0;
  let pollTimer = null;
  let retryTimer = null;

  const url = () => `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${path}`;

  function startPolling() {
    if (poll && !pollTimer) pollTimer = setInterval(poll, pollMs);
  }
  function stopPolling() {
    clearInterval(pollTimer);
    pollTimer = null;
  }

  function open() {
    if (closed) return;
    socket = new WebSocket(url());
    socket.addEventListener("open", async () => {
      attempts = 0;
      stopPolling();
      onStatus("open");
      await onOpen();
    });
    socket.addEventListener("message", (message) => {
      try { onEvent(JSON.parse(message.data)); } catch (error) { console.error(error); }
    });
    socket.addEventListener("close", () => {
      onStatus("closed");
      if (closed) return;
      attempts += 1;
      if (attempts >= 3) startPolling();
      const delay = Math.min(30000, 500 * 2 ** attempts) * (0.75 + Math.random() / 2);
      retryTimer = setTimeout(open, delay);
    });
  }

  open();
  return {
    send(data) { if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(data)); },
    close() {
      closed = true;
      clearTimeout(retryTimer);
      stopPolling();
      socket?.close();
    },
  };
}
