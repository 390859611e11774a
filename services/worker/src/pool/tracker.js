// Runs in every document of a pool tab before the page's own scripts (ADR 0035). It
// records what the page is still doing, so the page script can tell a settled page from
// one whose scripts have yet to fill it: requests in flight (fetch, XHR, their bodies,
// resources inserted after parsing), timers due soon, and the time of the last activity
// (a DOM mutation, a request or timer ending, a readyState change).
(() => {
  if (window.__jetcrawlActivity) return;
  const now = () => performance.now();
  const rawSetTimeout = window.setTimeout.bind(window);
  const rawClearTimeout = window.clearTimeout.bind(window);
  const rawClearInterval = window.clearInterval.bind(window);
  const state = {
    // Timers due within this many ms count as pending work; later ones do not.
    timerHorizonMs: 1000,
    inflight: 0,
    timers: new Set(),
    lastActivity: now(),
    lastNetwork: now(),
    setTimeout: rawSetTimeout,
    clearTimeout: rawClearTimeout,
    now,
  };
  const touch = () => { state.lastActivity = now(); };
  const begin = () => {
    state.inflight += 1;
    state.lastNetwork = now();
    touch();
  };
  const end = () => {
    state.inflight = Math.max(0, state.inflight - 1);
    state.lastNetwork = now();
    touch();
  };
  Object.defineProperty(window, '__jetcrawlActivity', { value: state, enumerable: false });

  window.setTimeout = function setTimeout(handler, delay, ...args) {
    const ms = Number(delay) || 0;
    if (typeof handler !== 'function' || ms > state.timerHorizonMs) {
      return rawSetTimeout(handler, delay, ...args);
    }
    let id;
    const run = () => {
      state.timers.delete(id);
      touch();
      handler.apply(window, args);
    };
    id = rawSetTimeout(run, ms);
    state.timers.add(id);
    return id;
  };
  // Browsers let either function clear either kind of timer.
  window.clearTimeout = function clearTimeout(id) {
    state.timers.delete(id);
    return rawClearTimeout(id);
  };
  window.clearInterval = function clearInterval(id) {
    state.timers.delete(id);
    return rawClearInterval(id);
  };

  const rawFetch = window.fetch;
  if (rawFetch) {
    window.fetch = function fetch(...args) {
      begin();
      let promise;
      try {
        promise = rawFetch.apply(this, args);
      } catch (error) {
        end();
        throw error;
      }
      return promise.then(
        (response) => { end(); return response; },
        (error) => { end(); throw error; },
      );
    };
  }
  // A body read after the headers arrived is still network work.
  if (window.Response) {
    for (const name of ['json', 'text', 'arrayBuffer', 'blob', 'formData']) {
      const raw = Response.prototype[name];
      if (!raw) continue;
      Response.prototype[name] = function (...args) {
        begin();
        return raw.apply(this, args).then(
          (value) => { end(); return value; },
          (error) => { end(); throw error; },
        );
      };
    }
  }
  if (window.XMLHttpRequest) {
    const rawSend = XMLHttpRequest.prototype.send;
    XMLHttpRequest.prototype.send = function (...args) {
      begin();
      this.addEventListener('loadend', end, { once: true });
      try {
        return rawSend.apply(this, args);
      } catch (error) {
        end();
        throw error;
      }
    };
  }

  // Resources inserted after parsing (the load event covers the parsed ones).
  const loading = new WeakSet();
  const watch = (element) => {
    if (loading.has(element)) return;
    const tag = element.tagName;
    let pending = false;
    if (tag === 'IMG') pending = !!element.getAttribute('src') && !element.complete && element.loading !== 'lazy';
    else if (tag === 'SCRIPT') pending = !!element.src;
    else if (tag === 'LINK') pending = element.rel === 'stylesheet' && !!element.href && !element.sheet;
    else if (tag === 'IFRAME') pending = !!element.getAttribute('src') && element.loading !== 'lazy';
    if (!pending) return;
    loading.add(element);
    begin();
    const done = () => {
      element.removeEventListener('load', done);
      element.removeEventListener('error', done);
      if (loading.has(element)) {
        loading.delete(element);
        end();
      }
    };
    element.addEventListener('load', done);
    element.addEventListener('error', done);
  };
  const observer = new MutationObserver((records) => {
    touch();
    if (document.readyState !== 'complete') return;
    for (const record of records) {
      for (const node of record.addedNodes) {
        if (node.nodeType !== 1) continue;
        watch(node);
        if (node.querySelectorAll) node.querySelectorAll('img,script,link,iframe').forEach(watch);
      }
    }
  });
  observer.observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
  document.addEventListener('readystatechange', touch);
})();
