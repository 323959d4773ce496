/** What every operator call handler is (the dispatcher in operator-api.ts picks one by call type). */
import type { HandlerResult, Request } from '../../http/server';
import type { OperatorCall } from '../../protocol/validate';
import type { MasterHttp } from './master-http';

/** One operator call: answers with a result, or takes over `req.res` (SUBSCRIBE) and returns undefined. */
export type OperatorCallHandler = (master: MasterHttp, call: OperatorCall, req: Request) => HandlerResult | Promise<HandlerResult>;
