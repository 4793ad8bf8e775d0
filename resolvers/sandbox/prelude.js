// Evaluated in every fresh QuickJS context before tenant code runs. It defines the only ways out
// of the sandbox: `console` (captured, returned with the outcome) and `__host`, which queues a
// call for the host to answer (the worker hands it to the server over its pipe). Nothing else
// exists: no require, no modules, no timers, no fetch except `context.services.fetch`.
"use strict";
var __calls = [], __waiting = {}, __seq = 0, __outcome = null, __console = [], __consoleBytes = 0;
var __CONSOLE_MAX_LINES = 200, __CONSOLE_MAX_BYTES = 65536;

function __text(value) {
  if (typeof value === "string") return value;
  try { var json = JSON.stringify(value); return json === undefined ? String(value) : json; }
  catch (e) { return String(value); }
}

function __log(level) {
  return function () {
    if (__console.length >= __CONSOLE_MAX_LINES || __consoleBytes >= __CONSOLE_MAX_BYTES) return;
    var parts = [];
    for (var i = 0; i < arguments.length; i++) parts.push(__text(arguments[i]));
    var message = parts.join(" ").slice(0, 4096);
    __consoleBytes += message.length;
    __console.push({ level: level, message: message });
  };
}
var console = { log: __log("log"), info: __log("info"), warn: __log("warn"), error: __log("error"), debug: __log("debug") };

function __host(name, args) {
  return new Promise(function (resolve, reject) {
    var id = ++__seq;
    __waiting[id] = { resolve: resolve, reject: reject };
    __calls.push({ id: id, name: name, args: args === undefined ? [] : args });
  });
}
function __take() { var taken = __calls; __calls = []; return JSON.stringify(taken); }
function __resolve(id, ok, value) {
  var waiting = __waiting[id];
  delete __waiting[id];
  if (!waiting) return;
  if (ok) waiting.resolve(value); else waiting.reject(new Error(value));
}

function __response(raw) {
  return {
    status: raw.status, ok: raw.status >= 200 && raw.status < 300, headers: raw.headers, url: raw.url,
    text: function () { return Promise.resolve(raw.body); },
    json: function () { return Promise.resolve(JSON.parse(raw.body)); },
  };
}

function __services(env) {
  return {
    items: function (collection) {
      return Promise.resolve({
        readByQuery: function (query) { return __host("items.readByQuery", [collection, query || {}]); },
        readOne: function (id) { return __host("items.readOne", [collection, id]); },
        createOne: function (data) { return __host("items.createOne", [collection, data]); },
        updateOne: function (id, data) { return __host("items.updateOne", [collection, id, data]); },
        deleteOne: function (id) { return __host("items.deleteOne", [collection, id]); },
      });
    },
    collections: function () { return __host("collections", []); },
    fields: function (collection) { return __host("fields", [collection === undefined ? null : collection]); },
    mail: function (message) { return __host("mail", [message]); },
    cron: {
      trigger: function (job) { return __host("cron.trigger", [job]); },
      list: function () { return __host("cron.list", []); },
    },
    env: Object.freeze(env || {}),
    fetch: function (url, options) {
      return __host("fetch", [String(url), options || {}]).then(__response);
    },
  };
}

function __failure(error) {
  if (error && typeof error === "object") {
    var message = error.message !== undefined ? String(error.message) : __text(error);
    return { ok: false, name: String(error.name || "Error"), message: message };
  }
  return { ok: false, name: "Error", message: __text(error) };
}

var __AsyncFunction = (async function () {}).constructor;

// `kind` names the arguments the code sees: filter hooks (payload, meta, context), action hooks
// (meta, context), functions (input, context).
var __PARAMETERS = { filter: ["payload", "meta", "context"], action: ["meta", "context"], function: ["input", "context"] };

function __compile(kind, code) { return __AsyncFunction.apply(null, __PARAMETERS[kind].concat([code])); }

function __start(kind, code, args, env) {
  var handler = __compile(kind, code);
  var context = Object.assign({}, args.context || {}, { services: __services(env) });
  var values = { filter: [args.payload, args.meta, context], action: [args.meta, context], function: [args.input, context] }[kind];
  handler.apply(null, values).then(
    function (value) { __outcome = { ok: true, value: value === undefined ? null : value }; },
    function (error) { __outcome = __failure(error); }
  );
}

function __finish() {
  var outcome = __outcome;
  var text;
  try { text = JSON.stringify(outcome); }
  catch (e) { text = JSON.stringify({ ok: false, name: "TypeError", message: "the result is not JSON: " + e.message }); }
  return text;
}
