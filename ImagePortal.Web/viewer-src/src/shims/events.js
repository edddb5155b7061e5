// vtk.js pulls in xmlbuilder2 (for its XML writers, which the viewer never uses), and xmlbuilder2 requires Node's
// "events". This stands in for it in the browser bundle.
class EventEmitter {
  constructor() { this._handlers = {}; }
  on(type, handler) { (this._handlers[type] ??= []).push(handler); return this; }
  emit(type, ...args) { for (const handler of this._handlers[type] ?? []) handler(...args); return true; }
  removeAllListeners() { this._handlers = {}; return this; }
}
module.exports = { EventEmitter };
