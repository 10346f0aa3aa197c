/**
 * HTTP outputs: the transport and clock they run on, and the names callers import from here.
 * Opening a group's outputs goes through the registry (outputs/registry.ts).
 */
export { fetchTransport, systemClock, type Clock, type HttpRequest, type HttpResponse, type Transport } from './transport.js';
export type { OutputStats } from './runner.js';
export { openGroupOutputs, type GroupOutputs } from '../registry.js';
