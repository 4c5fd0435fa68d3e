import {
  type CapturedPayment,
  domainError,
  ErrorCode,
  envInt,
  type HttpPool,
  type HttpPoolResponse,
  instrumentFetch,
  logger,
  metrics,
  PaymentCapture,
  PaymentCaptureError,
  type PaymentCaptureReply,
  type PaymentCaptureRequest,
  type PaymentErrorReply,
  type PaymentRefundRequest,
  poolClient,
  signCallerHeaders,
} from '@baemin/platform';
import CircuitBreaker from 'opossum';

export interface PaymentClientOptions {
  /** Base URL of the payment context, e.g. `http://127.0.0.1:8084`. */
  baseUrl: string;
  /** Internal secret used to sign the order context's service identity. */
  internalSecret: string;
  /** A capture slower than this fails (and counts against the breaker). Default PAYMENT_TIMEOUT_MS or 3000 ms. */
  timeoutMs?: number;
  /** How long the breaker stays open before one trial call. Default PAYMENT_BREAKER_RESET_MS or 10000 ms. */
  resetTimeoutMs?: number;
  /** Best-effort refunds give up after this. Default 3000 ms. */
  refundTimeoutMs?: number;
}

/** One payment call as the fetch hook sees it (it adds traceparent to `headers`). */
interface PoolPostInit {
  method: 'POST';
  path: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

export type BreakerState = 'closed' | 'open' | 'halfOpen';

export interface BreakerStatus {
  state: BreakerState;
  /** Seconds until the breaker lets a trial call through (0 unless open). */
  retryAfterSeconds: number;
  stats: {
    fires: number;
    successes: number;
    failures: number;
    rejects: number;
    timeouts: number;
    latencyMean: number;
  };
}

/** Payment answered and said no (402): a business outcome, not a failure of the payment service. */
class PaymentDeclinedError extends Error {
  override name = 'PaymentDeclinedError';
}

/** Payment refused the request itself (400 bad request, 409 conflict): our bug, not its outage. */
class PaymentRequestRefusedError extends Error {
  override name = 'PaymentRequestRefusedError';
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
  ) {
    super(message);
  }
}

/** Payment did not give a usable answer (5xx, unexpected status or body). */
class PaymentFailedError extends Error {
  override name = 'PaymentFailedError';
}

/** Retry hint when the breaker is not open (a single failure or a timeout). */
const DEFAULT_RETRY_AFTER_SECONDS = 5;

/**
 * The order context's synchronous call to payment, behind a circuit breaker (opossum): when
 * payment fails or is slow for half of at least 5 calls in 10 s, further captures fail fast with
 * PAYMENT_UNAVAILABLE (and a retry hint) instead of holding customers' requests for the full
 * timeout, until a trial call after `resetTimeoutMs` succeeds. Declines are answers, not failures,
 * so they never open the breaker.
 */
export class PaymentClient {
  private readonly breaker: CircuitBreaker<[PaymentCaptureRequest], CapturedPayment>;
  private readonly timeoutMs: number;
  private readonly resetTimeoutMs: number;
  private readonly refundTimeoutMs: number;
  private openedAt = 0;
  /** Keep-alive connections to payment (see {@link PaymentClient.post}). */
  private readonly pool: HttpPool;
  /** Captures and refunds on their way (refunds are mostly fired without waiting): see shutdown. */
  private readonly inFlight = new Set<Promise<unknown>>();
  /** Path of `baseUrl` (without a trailing slash), before each payment path. */
  private readonly basePath: string;
  /** A POST through {@link pool} in the platform's fetch hook: a CLIENT span and traceparent (tracing on). */
  private readonly send: (url: string, init: PoolPostInit) => Promise<HttpPoolResponse>;
  private readonly unregisterMetrics: () => void;

  constructor(private readonly options: PaymentClientOptions) {
    this.timeoutMs = options.timeoutMs ?? envInt(process.env, 'PAYMENT_TIMEOUT_MS', 3000);
    this.resetTimeoutMs = options.resetTimeoutMs ?? envInt(process.env, 'PAYMENT_BREAKER_RESET_MS', 10_000);
    this.refundTimeoutMs = options.refundTimeoutMs ?? 3000;
    // One pool for capture and refund, each call with its own timeout (undici's per-request
    // headersTimeout/bodyTimeout, from the moment the request is on a socket). A new connection
    // waits at most the shorter of the two. The breaker's own timeout still fails a capture at
    // `timeoutMs` from the call, whatever the socket does (also while the call waits for one of the
    // pool's 128 sockets, which only happens when that many captures are already slow).
    this.basePath = new URL(options.baseUrl).pathname.replace(/\/$/, '');
    this.pool = poolClient(options.baseUrl, {
      timeoutMs: Math.max(this.timeoutMs, this.refundTimeoutMs),
      connectTimeoutMs: Math.min(this.timeoutMs, this.refundTimeoutMs, 10_000),
    });
    this.send = instrumentFetch('payment', (_url: string, init: PoolPostInit) =>
      this.pool.post(init.path, init.headers, init.body, init.timeoutMs),
    );
    this.breaker = new CircuitBreaker((req: PaymentCaptureRequest) => this.postCapture(req), {
      name: 'payment-capture',
      timeout: this.timeoutMs,
      errorThresholdPercentage: 50,
      volumeThreshold: 5,
      resetTimeout: this.resetTimeoutMs,
      rollingCountTimeout: 10_000,
      errorFilter: (err: unknown) =>
        err instanceof PaymentDeclinedError || err instanceof PaymentRequestRefusedError,
    });
    this.breaker.on('open', () => {
      this.openedAt = Date.now();
      logger.warn('payment circuit opened; captures fail fast', { resetTimeoutMs: this.resetTimeoutMs });
    });
    this.breaker.on('halfOpen', () => logger.info('payment circuit half-open; next capture is a trial'));
    this.breaker.on('close', () => logger.info('payment circuit closed'));
    const breaker = 'payment-capture';
    this.breaker.on('success', () => metrics.breakerCalls.inc({ breaker, result: 'success' }));
    this.breaker.on('failure', () => metrics.breakerCalls.inc({ breaker, result: 'failure' }));
    this.breaker.on('timeout', () => metrics.breakerCalls.inc({ breaker, result: 'timeout' }));
    this.breaker.on('reject', () => metrics.breakerCalls.inc({ breaker, result: 'reject' }));
    this.breaker.on('reject', () => metrics.breakerRejections.inc({ breaker }));
    this.unregisterMetrics = metrics.breakerState.register(() => {
      const state = this.breaker.opened ? 2 : this.breaker.halfOpen ? 1 : 0;
      return [{ labels: { breaker }, value: state }];
    });
  }

  /**
   * Captures the order's amount. Throws GraphQL errors: PAYMENT_DECLINED (also with `reason:
   * PAYMENT_REFUSED_REQUEST` when payment refused the request itself, 400/409), PAYMENT_UNAVAILABLE
   * (with `retryAfterSeconds`), or INTERNAL_SERVER_ERROR when payment captured another order or
   * amount than asked (refunded at once).
   */
  capture(req: PaymentCaptureRequest): Promise<CapturedPayment> {
    return this.tracked(this.captureOnce(req));
  }

  private async captureOnce(req: PaymentCaptureRequest): Promise<CapturedPayment> {
    try {
      return await this.breaker.fire(req);
    } catch (err) {
      if (err instanceof PaymentDeclinedError) {
        throw domainError(ErrorCode.PAYMENT_DECLINED, `Payment was declined: ${err.message}`, {
          orderId: req.orderId,
        });
      }
      if (err instanceof PaymentRequestRefusedError) {
        logger.error('payment refused the capture request', {
          orderId: req.orderId,
          status: err.status,
          code: err.code,
        });
        if (err.status === 200) {
          void this.refund(req.orderId, 'captured amount did not match the order');
          throw domainError(ErrorCode.INTERNAL, 'Payment could not process this order');
        }
        // A refusal placeOrder did not foresee (its checks should keep every request valid). The
        // same request would be refused again, so the customer gets a stable "declined" with the
        // reason, not a masked internal error nor a retry hint that cannot help. A 400 captured
        // nothing; a 409 means an earlier capture of this id, which the orphan sweeper refunds.
        throw domainError(
          ErrorCode.PAYMENT_DECLINED,
          'Payment refused to process this order, so it was not placed.',
          { orderId: req.orderId, reason: 'PAYMENT_REFUSED_REQUEST' },
        );
      }
      const code = (err as { code?: string }).code;
      const reachedPayment = code !== 'EOPENBREAKER' && code !== 'ESEMLOCKED';
      if (reachedPayment) {
        logger.warn('payment capture failed', { orderId: req.orderId, error: (err as Error).message });
        // A timed-out or failed capture may still have been applied; refund it so nobody pays for
        // an order that does not exist (payment refunds by order id, and ignores unknown ones).
        void this.refund(req.orderId, 'capture failed or timed out; order not placed');
      }
      const retryAfterSeconds = this.retryAfterSeconds();
      throw domainError(
        ErrorCode.PAYMENT_UNAVAILABLE,
        `Payment is unavailable right now; please try again in ${retryAfterSeconds} seconds`,
        { retryAfterSeconds },
      );
    }
  }

  /** Best-effort refund of an order's payment (compensation); never throws. Returns true when payment confirmed it. */
  refund(orderId: string, reason: string): Promise<boolean> {
    return this.tracked(this.sendRefund(orderId, reason));
  }

  /** Counts `call` among the calls on their way until it settles (see shutdown). */
  private tracked<T>(call: Promise<T>): Promise<T> {
    this.inFlight.add(call);
    const untrack = () => this.inFlight.delete(call);
    call.then(untrack, untrack);
    return call;
  }

  private async sendRefund(orderId: string, reason: string): Promise<boolean> {
    try {
      const body: PaymentRefundRequest = { orderId, reason };
      const res = await this.post(PaymentCapture.refundPath, body, this.refundTimeoutMs);
      const ok = res.status >= 200 && res.status <= 299;
      if (!ok) logger.warn('payment refund not confirmed', { orderId, status: res.status });
      return ok;
    } catch (err) {
      logger.warn('payment refund failed', { orderId, error: (err as Error).message });
      return false;
    }
  }

  /** Seconds until the breaker lets a trial call through when open; otherwise the default hint (5). */
  retryAfterSeconds(): number {
    if (!this.breaker.opened) return DEFAULT_RETRY_AFTER_SECONDS;
    const remainingMs = this.openedAt + this.resetTimeoutMs - Date.now();
    return Math.max(1, Math.ceil(remainingMs / 1000));
  }

  status(): BreakerStatus {
    const s = this.breaker.stats;
    const state: BreakerState = this.breaker.opened ? 'open' : this.breaker.halfOpen ? 'halfOpen' : 'closed';
    return {
      state,
      retryAfterSeconds: state === 'open' ? this.retryAfterSeconds() : 0,
      stats: {
        fires: s.fires,
        successes: s.successes,
        failures: s.failures,
        rejects: s.rejects,
        timeouts: s.timeouts,
        latencyMean: s.latencyMean,
      },
    };
  }

  /**
   * Shutdown, once the HTTP server has stopped taking requests: waits for the calls still on their
   * way (captures of requests the server gave up waiting for, refunds fired without waiting; each
   * bounded by its own timeout, and a failed capture's refund joins them before the capture
   * settles), then stops the breaker's timers and drops the connections to payment. Dropping them
   * first aborted a capture payment had already taken, and its refund could not be sent: the
   * money waited for the orphan sweeper (5 minutes) while the customer was told to try again.
   */
  async shutdown(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    this.unregisterMetrics();
    this.breaker.shutdown();
    await this.pool.close();
  }

  /**
   * POSTs JSON to payment over the keep-alive pool: no WHATWG Request, Headers or AbortSignal
   * per call (most of placeOrder's CPU under load was fetch's). `timeoutMs` bounds the wait for
   * the answer and frees the socket when the breaker has already given up on the call; it throws
   * an error named TimeoutError, connection errors throw undici's error (both failures).
   */
  private post(path: string, body: unknown, timeoutMs: number): Promise<HttpPoolResponse> {
    return this.send(`${this.options.baseUrl}${path}`, {
      method: 'POST',
      path: `${this.basePath}${path}`,
      headers: {
        ...signCallerHeaders({ id: 'order', role: 'service' }, this.options.internalSecret),
        'content-type': 'application/json',
      },
      body: JSON.stringify(body),
      timeoutMs,
    });
  }

  private async postCapture(req: PaymentCaptureRequest): Promise<CapturedPayment> {
    const res = await this.post(PaymentCapture.capturePath, req, this.timeoutMs);
    const text = res.body;
    let body: Partial<PaymentCaptureReply & PaymentErrorReply> | null = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = null;
    }
    if (res.status === 200 && body?.payment && body.payment.status === 'CAPTURED') {
      if (body.payment.orderId !== req.orderId || body.payment.amount !== req.amount) {
        throw new PaymentRequestRefusedError(
          'payment captured a different order or amount',
          200,
          'PAYMENT_MISMATCH',
        );
      }
      return body.payment;
    }
    const message = body?.error?.message ?? `HTTP ${res.status}`;
    if (res.status === 402) throw new PaymentDeclinedError(message);
    if (res.status === 400 || res.status === 409) {
      throw new PaymentRequestRefusedError(
        message,
        res.status,
        body?.error?.code ?? PaymentCaptureError.BAD_REQUEST,
      );
    }
    throw new PaymentFailedError(`payment answered ${res.status}: ${message}`);
  }
}
