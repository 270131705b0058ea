import express from 'express';
import type { Request, Response, Router } from 'express';
import type { FaultInjector } from '../fault-injector.js';
import { MO_TA, buildKq } from './kq-envelope.js';
import type { MaLoi } from './kq-envelope.js';
import { checkMaGdich, readForm, validateForm } from './phieuchuyen-form.js';
import type { TaxRecordStore } from './tax-record-store.js';
import type { TaxFaults } from './types.js';

const XML = 'application/xml; charset=utf-8';

/** What the vendor routes need from the simulator. */
export interface VendorContext {
  faults: FaultInjector;
  taxFaults: TaxFaults;
  store: TaxRecordStore;
  securityKey: string;
  unitCodes: readonly string[];
  now: () => Date;
  /** Per-outcome counters, incremented here. */
  calls: Record<'phieuchuyen' | 'accepted' | 'duplicates' | 'invalid' | 'unauthorized' | 'busy', number>;
  /** Receipts (`CT….pdf`) issued with payment confirmations. */
  receipts: Map<string, Buffer>;
}

function answer(res: Response, status: number, maLoi: MaLoi, moTa: string, maGdich: string): void {
  res
    .status(status)
    .set('Content-Type', XML)
    .send(buildKq(maLoi, moTa, maGdich));
}

/** `SecurityKey` exactly as issued; missing or wrong → HTTP 401 / MA_LOI 02 (tax.md §2, §3.3). */
function authorized(ctx: VendorContext, req: Request, res: Response): boolean {
  if (req.get('SecurityKey') === ctx.securityKey) return true;
  ctx.calls.unauthorized += 1;
  answer(res, 401, '02', MO_TA.unauthorized, '');
  return false;
}

/** The busy switch: MA_LOI 99, nothing created (a MA_GDICH answered 99 stays unrecorded). */
function takeBusy(f: TaxFaults): boolean {
  if (f.busy) return true;
  if (f.busyNext > 0) {
    f.busyNext -= 1;
    return true;
  }
  return false;
}

export function vendorRoutes(ctx: VendorContext): Router {
  const router = express.Router();
  const raw = express.raw({ type: () => true, limit: '1mb' });

  router.post(
    '/api/thue/phieuchuyen',
    (_req, _res, next) => {
      ctx.calls.phieuchuyen += 1;
      next();
    },
    ctx.faults.before(),
    raw,
    async (req: Request, res: Response) => {
      if (!authorized(ctx, req, res)) return;
      const body: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const read = await readForm(req.get('Content-Type'), body);
      if (!read.ok) {
        ctx.calls.invalid += 1;
        answer(res, 200, '01', read.moTa, '');
        return;
      }
      const { form, text } = read;
      if (takeBusy(ctx.taxFaults)) {
        ctx.calls.busy += 1;
        answer(res, 200, '99', MO_TA.busy, form.maGdich);
        return;
      }
      const gdichError = checkMaGdich(form);
      if (gdichError) {
        ctx.calls.invalid += 1;
        answer(res, 200, '01', gdichError, form.maGdich);
        return;
      }
      // §3.2: same MA_GDICH again, with any body → nothing created or changed, 00.
      if (ctx.store.has(form.maGdich)) {
        ctx.calls.duplicates += 1;
        answer(res, 200, '00', MO_TA.duplicate, form.maGdich);
        return;
      }
      const checked = validateForm(form, ctx.unitCodes);
      if (!checked.ok) {
        ctx.calls.invalid += 1;
        answer(res, 200, '01', checked.moTa, form.maGdich);
        return;
      }
      ctx.store.create(checked.fields, text, ctx.now());
      ctx.calls.accepted += 1;
      if (ctx.faults.afterCommit(res)) return;
      answer(res, 200, '00', MO_TA.accepted, form.maGdich);
    },
  );

  // §4.4: UrlFileChungTu is downloadable with GET and the SecurityKey header.
  router.get('/api/thue/chungtu/:file', ctx.faults.before(), (req: Request, res: Response) => {
    if (!authorized(ctx, req, res)) return;
    const pdf = ctx.receipts.get(String(req.params['file']));
    if (!pdf) {
      res.status(404).type('text/plain').send('not found');
      return;
    }
    res.status(200).type('application/pdf').send(pdf);
  });

  return router;
}
