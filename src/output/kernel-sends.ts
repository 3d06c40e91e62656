/**
 * Makes the tslab kernel's message sends wait for a busy socket instead of failing.
 *
 * tslab sends every Jupyter message with zeromq's send() and does not wait for
 * it. After 512 sends on one socket with no turn of the event loop, zeromq
 * defers the next send to the event loop, and a send made before that one has
 * gone out throws EBUSY ("Socket is busy writing"). In a kernel, console.log
 * then drops its line silently and a rich output throws into the running cell:
 * a 10000-step training cell stopped after 6000 steps with no message, since
 * the error could not be sent either. Here a message that finds its socket
 * busy is queued and sent once the deferred one has gone out; later messages
 * queue behind it, so a cell's outputs still arrive before its "idle" status.
 */
import * as fs from "fs";
import * as path from "path";

interface SendingSocket {
  send(message: unknown): Promise<void>;
}

/** The part of the zeromq module this patches: the socket classes tslab sends on. */
export interface ZeromqSocketClasses {
  Publisher: { prototype: SendingSocket & { bind?: (address: string) => Promise<void>; sendHighWaterMark?: number } };
  Router: { prototype: SendingSocket };
}

interface QueuedMessage {
  message: unknown;
  resolve: () => void;
  reject: (error: unknown) => void;
}

interface SendQueue {
  /** The socket's latest send: while a deferred one is pending, the socket is busy. */
  lastSend: Promise<void>;
  waiting: QueuedMessage[];
  draining: boolean;
}

type NativeSend = (this: SendingSocket, message: unknown) => Promise<void>;

const SENDS_WAIT = Symbol.for("cnn-chapter4.sends-wait");
const KEEPS_EVERY_MESSAGE = Symbol.for("cnn-chapter4.keeps-every-message");

function isSocketBusy(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === "EBUSY";
}

/**
 * Gives zeromq's Publisher and Router sockets a send() that queues a message
 * finding the socket busy, instead of throwing EBUSY. Patching twice does nothing.
 */
export function makeSendsWait(zeromq: ZeromqSocketClasses): void {
  for (const { prototype } of [zeromq.Publisher, zeromq.Router]) {
    if (Object.prototype.hasOwnProperty.call(prototype, SENDS_WAIT)) continue;
    const nativeSend: NativeSend = prototype.send;
    const queues = new WeakMap<SendingSocket, SendQueue>();
    // zeromq's send is a read-only inherited property: define, not assign.
    const send = function send(this: SendingSocket, message: unknown): Promise<void> {
      let queue = queues.get(this);
      if (queue === undefined) {
        queue = { lastSend: Promise.resolve(), waiting: [], draining: false };
        queues.set(this, queue);
      }
      if (queue.waiting.length === 0) {
        try {
          queue.lastSend = nativeSend.call(this, message);
          return queue.lastSend;
        } catch (error) {
          if (!isSocketBusy(error)) throw error;
        }
      }
      const target = queue;
      const queued = new Promise<void>((resolve, reject) => target.waiting.push({ message, resolve, reject }));
      void drain(this, nativeSend, target);
      return queued;
    };
    Object.defineProperty(prototype, "send", { value: send, writable: true, configurable: true });
    Object.defineProperty(prototype, SENDS_WAIT, { value: true });
  }
  keepEveryPublished(zeromq.Publisher.prototype);
}

/**
 * A publisher drops messages beyond its send high-water mark (1000 waiting)
 * when its I/O thread falls behind, as on a busy machine: a kernel's outputs
 * would vanish. With no limit it keeps them all until they are sent.
 */
function keepEveryPublished(prototype: ZeromqSocketClasses["Publisher"]["prototype"]): void {
  const nativeBind = prototype.bind;
  if (nativeBind === undefined || Object.prototype.hasOwnProperty.call(prototype, KEEPS_EVERY_MESSAGE)) return;
  const bind = function bind(this: typeof prototype, address: string): Promise<void> {
    this.sendHighWaterMark = 0;
    return nativeBind.call(this, address);
  };
  Object.defineProperty(prototype, "bind", { value: bind, writable: true, configurable: true });
  Object.defineProperty(prototype, KEEPS_EVERY_MESSAGE, { value: true });
}

/** Sends the queued messages in order, each once the socket's previous send has gone out. */
async function drain(socket: SendingSocket, nativeSend: NativeSend, queue: SendQueue): Promise<void> {
  if (queue.draining) return;
  queue.draining = true;
  try {
    while (queue.waiting.length > 0) {
      await queue.lastSend.catch(() => undefined);
      const next = queue.waiting[0];
      try {
        queue.lastSend = nativeSend.call(socket, next.message);
      } catch (error) {
        if (isSocketBusy(error)) {
          await new Promise(setImmediate);
          continue;
        }
        queue.waiting.shift();
        next.reject(error);
        continue;
      }
      queue.waiting.shift();
      queue.lastSend.then(next.resolve, next.reject);
    }
  } finally {
    queue.draining = false;
  }
}

/**
 * The zeromq module that a tslab kernel started from `mainScript` in the folder `cwd` loads.
 * tslab hands the kernel over to the tslab installed in `cwd` or the nearest folder above it
 * (not counting node_modules folders themselves), else keeps it; that tslab loads the zeromq
 * its own folder resolves.
 */
export function kernelZeromqPath(cwd: string, mainScript: string): string {
  return require.resolve("zeromq", { paths: [localTslabFolder(cwd) ?? path.dirname(fs.realpathSync(mainScript))] });
}

function localTslabFolder(cwd: string): string | undefined {
  for (let folder = path.resolve(cwd); ; folder = path.dirname(folder)) {
    const localMain = path.join(folder, "node_modules", "tslab", "dist", "main.js");
    if (path.basename(folder) !== "node_modules" && fs.existsSync(localMain)) return path.dirname(fs.realpathSync(localMain));
    if (path.dirname(folder) === folder) return undefined;
  }
}

/**
 * Makes the sends of the zeromq this process's tslab kernel will use wait for a busy socket
 * (see above). Meant to run before the kernel opens its sockets: ./kernel-preload.ts.
 */
export function makeKernelSendsWait(cwd = process.cwd(), mainScript = process.argv[1]): void {
  makeSendsWait(require(kernelZeromqPath(cwd, mainScript)) as ZeromqSocketClasses);
}
