/**
 * Loads a function app the way the Azure Functions Node.js worker does and invokes its functions.
 *
 * The @azure/functions library finds the worker by `require("@azure/functions-core")`, a module the
 * real worker injects. We inject ours through Module._load before the app is required, capture the
 * ProgrammingModel and every registerFunction call, and invoke handlers through the library's own
 * InvocationModel so all conversions (HttpRequest, InvocationContext, durable bindings) are the
 * library's. One app per process: the library caches the worker module it found.
 *
 * An app that calls `app.setup({ enableHttpStream: true })` gets HTTP streaming as in Azure: the
 * library runs an HTTP proxy of its own (its `HttpUri` capability), each HTTP invocation's request is
 * sent there with its invocation id, and the response comes back from there as it is written.
 */
import { randomUUID } from "node:crypto";
import Module from "node:module";
import { Server as NetServer } from "node:net";
import type { HostLogger } from "./logger";
import { resolveBindingOptions, resolveMainFiles } from "./settings";
import type {
  CoreApi,
  CoreInvocationContext,
  Disposable,
  FunctionCallback,
  FunctionMetadata,
  HookCallback,
  InvocationResponse,
  LogCategory,
  LogLevel,
  ParameterBinding,
  ProgrammingModel,
  RpcBindingInfo,
  RpcTypedData,
} from "./worker-types";

const CORE_MODULE = "@azure/functions-core";
/** Reported to the library as the host version; HTTP streaming checks for `log` rather than this. */
const HOST_VERSION = "4.1000.0";

export interface RegisteredFunction {
  name: string;
  /** Exactly what the app registered; invocations hand this back to the library. */
  metadata: FunctionMetadata;
  handler: FunctionCallback;
  triggerBindingName: string;
  /** Trigger type in lower case, e.g. "httptrigger", "activitytrigger". */
  triggerType: string;
  /** The trigger's options with %SETTING% references resolved. */
  trigger: RpcBindingInfo;
  /** All bindings with %SETTING% references resolved, by binding name. */
  bindings: Record<string, RpcBindingInfo>;
}

/** Supplies the data of an extra input binding (e.g. the durable client) for one invocation. */
export type InputProvider = (binding: RpcBindingInfo, fn: RegisteredFunction) => RpcTypedData;

export interface Invocation {
  /** What the handler returned (after postInvocation hooks), before any conversion. */
  result: unknown;
  /** The worker's response to the host: return value and output bindings as RpcTypedData. */
  response(): Promise<InvocationResponse>;
}

type Hooks = Record<"preInvocation" | "postInvocation" | "appStart" | "appTerminate", HookCallback[]>;

/** The process-wide stand-in for the real worker module; created on first load. */
class WorkerModule implements CoreApi {
  readonly version = "dev-host";
  readonly hostVersion = HOST_VERSION;
  programmingModels: ProgrammingModel[] = [];
  readonly registrations: { metadata: FunctionMetadata; callback: FunctionCallback }[] = [];
  readonly hooks: Hooks = { preInvocation: [], postInvocation: [], appStart: [], appTerminate: [] };
  logSystem: (level: LogLevel, message: string) => void = () => undefined;

  setProgrammingModel(model: ProgrammingModel): void {
    this.programmingModels.push(model);
  }

  getProgrammingModel(): ProgrammingModel {
    const model = this.programmingModels[this.programmingModels.length - 1];
    if (!model) throw new Error("No programming model has been set");
    return model;
  }

  registerFunction(metadata: FunctionMetadata, callback: FunctionCallback): Disposable {
    const name = metadata.name.toLowerCase();
    if (this.registrations.some((r) => r.metadata.name.toLowerCase() === name)) {
      throw new Error(`A function with the name "${metadata.name}" has already been registered.`);
    }
    const registration = { metadata, callback };
    this.registrations.push(registration);
    return { dispose: () => this.registrations.splice(this.registrations.indexOf(registration), 1) };
  }

  registerHook(hookName: string, callback: HookCallback): Disposable {
    if (!(hookName in this.hooks)) throw new RangeError(`Unknown hook "${hookName}"`);
    const list = this.hooks[hookName as keyof Hooks];
    list.push(callback);
    return { dispose: () => list.splice(list.indexOf(callback), 1) };
  }

  log(level: LogLevel, _category: LogCategory, message: string): void {
    this.logSystem(level, message);
  }
}

let workerModule: WorkerModule | undefined;
let appLoaded = false;

function installWorkerModule(): WorkerModule {
  if (workerModule) return workerModule;
  const created = new WorkerModule();
  const loader = Module as unknown as { _load(request: string, parent: unknown, isMain: boolean): unknown };
  const originalLoad = loader._load;
  loader._load = function (request: string, parent: unknown, isMain: boolean) {
    if (request === CORE_MODULE) return created;
    return originalLoad.call(this, request, parent, isMain);
  };
  workerModule = created;
  return created;
}

function isTrigger(type: string | null | undefined): boolean {
  return !!type && /trigger$/i.test(type);
}

export class FunctionsWorker {
  private readonly byName = new Map<string, RegisteredFunction>();
  private readonly inputProviders = new Map<string, InputProvider>();
  private readonly appHookData: Record<string, unknown> = {};

  private constructor(
    private readonly core: WorkerModule,
    private readonly model: ProgrammingModel,
    private readonly appRoot: string,
    private readonly logger: HostLogger,
    functions: RegisteredFunction[],
    /** Where the library's HTTP stream proxy listens, when the app streams HTTP. */
    readonly httpUri: URL | undefined,
  ) {
    for (const fn of functions) this.byName.set(fn.name.toLowerCase(), fn);
  }

  /**
   * Requires the app's entry files (package.json `main`), captures its registrations and locks its
   * setup as the worker does (getCapabilities). Functions whose %SETTING% references do not resolve
   * are reported and left out, as the real host disables them.
   */
  static async load(appRoot: string, logger: HostLogger): Promise<FunctionsWorker> {
    if (appLoaded) throw new Error("The dev host loads one function app per process");
    const core = installWorkerModule();
    core.logSystem = (level, message) => logger.host(level, message);
    appLoaded = true;
    // The worker loads an app's entry files with require, so CommonJS apps behave as in Azure.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    for (const file of resolveMainFiles(appRoot)) require(file);

    if (core.programmingModels.length > 1) {
      throw new Error(
        "Two copies of @azure/functions were loaded (each set its own programming model); " +
          "dedupe node_modules so durable-functions and the app share one copy",
      );
    }
    if (core.programmingModels.length === 0 || core.registrations.length === 0) {
      throw new Error(`The app in ${appRoot} registered no functions (is "main" in its package.json right?)`);
    }
    const model = core.getProgrammingModel();
    const capabilities = await onLoopback(async () => (await model.getCapabilities?.({})) ?? {});
    // The library names its proxy "localhost"; it listens on 127.0.0.1 (above).
    const httpUri = capabilities.HttpUri ? new URL(capabilities.HttpUri) : undefined;
    if (httpUri) httpUri.hostname = "127.0.0.1";

    const functions: RegisteredFunction[] = [];
    for (const { metadata, callback } of core.registrations) {
      try {
        functions.push(describe(metadata, callback));
      } catch (error) {
        logger.host("error", `Function ${metadata.name} is disabled: ${(error as Error).message}`);
      }
    }
    return new FunctionsWorker(core, model, appRoot, logger, functions, httpUri);
  }

  get functions(): RegisteredFunction[] {
    return [...this.byName.values()];
  }

  /** Function names are case-insensitive, as in the Functions host. */
  get(name: string): RegisteredFunction | undefined {
    return this.byName.get(name.toLowerCase());
  }

  ofTrigger(triggerType: string): RegisteredFunction[] {
    return this.functions.filter((fn) => fn.triggerType === triggerType.toLowerCase());
  }

  /** Registers how to fill extra input bindings of one type (e.g. "durableClient"). */
  provideInput(bindingType: string, provider: InputProvider): void {
    this.inputProviders.set(bindingType.toLowerCase(), provider);
  }

  /** Extra bindings the host cannot serve; reported once at startup. */
  unsupportedBindings(): string[] {
    const notes: string[] = [];
    for (const fn of this.functions) {
      for (const [name, binding] of Object.entries(fn.bindings)) {
        if (isTrigger(binding.type)) continue;
        const type = String(binding.type).toLowerCase();
        if (binding.direction === "in" && !this.inputProviders.has(type)) {
          notes.push(`${fn.name}: input binding ${name} (${binding.type}) is not supported`);
        } else if (binding.direction === "out" && !(name === "$return" && type === "http")) {
          notes.push(`${fn.name}: output binding ${name} (${binding.type}) is ignored`);
        }
      }
    }
    return notes;
  }

  async runAppStartHooks(): Promise<void> {
    for (const hook of this.core.hooks.appStart) {
      await hook({ hookData: {}, appHookData: this.appHookData, functionAppDirectory: this.appRoot });
    }
  }

  async runAppTerminateHooks(): Promise<void> {
    for (const hook of this.core.hooks.appTerminate)
      await hook({ hookData: {}, appHookData: this.appHookData });
  }

  /**
   * Invokes fn with its trigger data; extra inputs come from the registered providers. Throws what
   * the handler threw.
   */
  async invoke(
    fn: RegisteredFunction,
    trigger: RpcTypedData | undefined,
    triggerMetadata: Record<string, RpcTypedData> = {},
    invocationId: string = randomUUID(),
  ): Promise<Invocation> {
    const inputData: ParameterBinding[] = [{ name: fn.triggerBindingName, data: trigger }];
    for (const [name, binding] of Object.entries(fn.bindings)) {
      if (binding.direction !== "in" || isTrigger(binding.type)) continue;
      const provider = this.inputProviders.get(String(binding.type).toLowerCase());
      if (!provider)
        throw new Error(`Input binding ${name} (${binding.type}) is not supported by the dev host`);
      inputData.push({ name, data: provider(binding, fn) });
    }
    const coreContext: CoreInvocationContext = {
      invocationId,
      metadata: fn.metadata,
      request: { invocationId, functionId: fn.name, inputData, triggerMetadata },
      log: (level, _category, message) => this.logger.fn(fn.name, level, message),
    };
    const model = this.model.getInvocationModel(coreContext);
    const { context, inputs } = await model.getArguments();
    const hookData: Record<string, unknown> = {};
    const pre = {
      hookData,
      appHookData: this.appHookData,
      invocationContext: context,
      inputs,
      functionCallback: fn.handler,
    };
    coreContext.state = "preInvocationHooks";
    for (const hook of this.core.hooks.preInvocation) await hook(pre);
    coreContext.state = "invocation";
    const post: Record<string, unknown> = {
      hookData,
      appHookData: this.appHookData,
      invocationContext: context,
      inputs: pre.inputs,
      result: undefined,
      error: undefined,
    };
    try {
      post.result = await model.invokeFunction(context, pre.inputs, pre.functionCallback);
    } catch (error) {
      post.error = error;
    }
    coreContext.state = "postInvocationHooks";
    for (const hook of this.core.hooks.postInvocation) await hook(post);
    coreContext.state = undefined;
    if (post.error !== undefined && post.error !== null) throw post.error;
    return { result: post.result, response: () => model.getResponse(context, post.result) };
  }
}

/**
 * Runs `action` with servers that listen without naming a port or address bound to 127.0.0.1, and
 * unreferenced: the library's HTTP stream proxy would listen on every interface, and it is never
 * closed, so it must not keep a stopped host's process alive.
 */
async function onLoopback<T>(action: () => Promise<T>): Promise<T> {
  const prototype = NetServer.prototype as unknown as { listen(...args: unknown[]): unknown };
  const listen = prototype.listen;
  prototype.listen = function (this: NetServer, ...args: unknown[]) {
    if (args.length > 0 && typeof args[0] !== "function") return listen.apply(this, args);
    return (listen.call(this, 0, "127.0.0.1", ...args) as NetServer).unref();
  };
  try {
    return await action();
  } finally {
    prototype.listen = listen;
  }
}

function describe(metadata: FunctionMetadata, handler: FunctionCallback): RegisteredFunction {
  const bindings = resolveBindingOptions(metadata.bindings);
  const triggerEntry = Object.entries(bindings).find(([, binding]) => isTrigger(binding.type));
  if (!triggerEntry) throw new Error("it has no trigger binding");
  const [triggerBindingName, trigger] = triggerEntry;
  return {
    name: metadata.name,
    metadata,
    handler,
    triggerBindingName,
    triggerType: String(trigger.type).toLowerCase(),
    trigger,
    bindings,
  };
}
