import type { Channel, ParsedRequest, Responses } from '../../src-shared/ipc/contract.js';
import type { Services } from './services.js';

/** A request handler: a plain function of the services and the parsed payload. */
export type Handler<C extends Channel> = (services: Services, payload: ParsedRequest<C>) => Promise<Responses[C]>;

/** Handlers for some channels (one domain's file). */
export type HandlerGroup<C extends Channel> = { readonly [K in C]: Handler<K> };
