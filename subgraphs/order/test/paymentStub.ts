import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Caller, PaymentCapture, verifyCallerHeaders } from '@baemin/platform';

export type StubMode = 'capture' | 'decline' | 'error' | 'slow' | 'conflict' | 'badRequest';

export interface StubCall {
  path: string;
  body: Record<string, unknown>;
  caller: Caller | null;
}

/**
 * A stand-in for the payment context in these subgraph-level tests: a plain HTTP server answering
 * the capture/refund contract. Whole-system tests use the real payment service instead.
 */
export class PaymentStub {
  mode: StubMode = 'capture';
  /** Delay of 'slow' answers, in ms. */
  slowMs = 1500;
  readonly calls: StubCall[] = [];
  private server: Server | null = null;
  url = '';

  get captures(): StubCall[] {
    return this.calls.filter((c) => c.path === '/internal/payments/capture');
  }

  get refunds(): StubCall[] {
    return this.calls.filter((c) => c.path === '/internal/payments/refund');
  }

  constructor(private readonly secret: string) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      void this.handle(req).then(({ status, body, delayMs }) => {
        const send = () => {
          if (res.destroyed) return;
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(body));
        };
        if (delayMs) setTimeout(send, delayMs);
        else send();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = null;
  }

  private async handle(req: IncomingMessage): Promise<{ status: number; body: unknown; delayMs?: number }> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    let caller: Caller | null;
    try {
      caller = verifyCallerHeaders(req.headers, this.secret);
    } catch {
      return { status: 401, body: { error: { code: 'UNAUTHENTICATED', message: 'unsigned' } } };
    }
    const path = req.url ?? '/';
    this.calls.push({ path, body, caller });
    if (path === '/internal/payments/refund') {
      return { status: 200, body: { payment: { orderId: body.orderId, status: 'REFUNDED' } } };
    }
    // The amount rule of the real route (payment's internalRoutes.ts), whatever the mode.
    const amount = body.amount;
    if (!Number.isInteger(amount) || amount <= 0 || amount > PaymentCapture.maxAmountWon) {
      return { status: 400, body: { error: { code: 'BAD_REQUEST', message: 'amount out of range' } } };
    }
    const payment = {
      id: `pay-${body.orderId}`,
      orderId: body.orderId,
      amount: body.amount,
      status: 'CAPTURED',
      capturedAt: new Date().toISOString(),
    };
    switch (this.mode) {
      case 'capture':
        return { status: 200, body: { payment } };
      case 'decline':
        return { status: 402, body: { error: { code: 'PAYMENT_DECLINED', message: 'over the limit' } } };
      case 'conflict':
        return { status: 409, body: { error: { code: 'PAYMENT_CONFLICT', message: 'different amount' } } };
      case 'badRequest':
        return { status: 400, body: { error: { code: 'BAD_REQUEST', message: 'a field it reads now' } } };
      case 'slow':
        return { status: 200, body: { payment }, delayMs: this.slowMs };
      default:
        return { status: 503, body: { error: { code: 'UNAVAILABLE', message: 'down' } } };
    }
  }
}
