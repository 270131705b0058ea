import express, { Router } from 'express';
import type { NextFunction, Request, Response } from 'express';
import { sendInvalid, sendNotFound, sendOk, sendUnauthorized } from './envelope.js';
import type { LandSimulator } from './land-simulator.js';
import {
  nonNfcPaths,
  validateBoSung,
  validateTiepNhan,
  validateTraKetQua,
  type Validated,
} from './request-validation.js';

/**
 * The client-facing land API (land.md §3–§6) and the file downloads (§7.3), mounted at `/api`.
 * Order per request: shared faults (latency, outage, 429, pre-commit failures) → `X-VBDLIS-Key`
 * → body → validation → business rules → after-commit faults → answer.
 */
export function landApiRouter(sim: LandSimulator): Router {
  const router = Router();
  const now = () => sim.now();
  const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

  router.use(sim.faults.before());
  router.use((req: Request, res: Response, next: NextFunction) => {
    if (req.get('X-VBDLIS-Key') !== sim.apiKey) {
      sim.count.unauthorized += 1;
      sendUnauthorized(res, now());
      return;
    }
    next();
  });
  // Any content type is read as bytes and must be UTF-8 JSON without BOM (README §2).
  router.use(express.raw({ type: () => true, limit: '10mb' }));

  /** Decodes the body; `text` is exactly what was received. */
  const readJson = (req: Request): Validated<{ json: unknown; text: string }> => {
    const buf: unknown = req.body;
    if (!Buffer.isBuffer(buf) || buf.length === 0) return { ok: false, message: 'body: bắt buộc (JSON)' };
    let text: string;
    try {
      text = utf8.decode(buf);
    } catch {
      return { ok: false, message: 'body: không phải UTF-8 hợp lệ' };
    }
    try {
      return { ok: true, value: { json: JSON.parse(text) as unknown, text } };
    } catch {
      return { ok: false, message: 'body: không phải JSON hợp lệ' };
    }
  };

  const invalid = (res: Response, message: string) => {
    sim.count.invalid += 1;
    sendInvalid(res, now(), message);
  };

  /** After-commit faults: true when the answer is withheld, reset or replaced by a 5xx. */
  const faultAfterCommit = (res: Response) => sim.faults.afterCommit(res) || sim.failAfterCommit(res);

  router.post('/motcua/tiepnhan', (req, res) => {
    sim.count.tiepnhanCalls += 1;
    const body = readJson(req);
    if (!body.ok) return invalid(res, body.message);
    const v = validateTiepNhan(body.value.json);
    if (!v.ok) return invalid(res, v.message);
    const d = sim.intake(v.value, body.value.text, nonNfcPaths(v.value));
    if (faultAfterCommit(res)) return;
    sendOk(res, now(), d.hoSoId, 'Tiếp nhận hồ sơ thành công');
  });

  router.get('/motcua/hoso', (req, res) => {
    sim.count.lookupCalls += 1;
    const ma = req.query.maHoSoMotCua;
    if (typeof ma !== 'string' || ma === '') return invalid(res, 'maHoSoMotCua: bắt buộc');
    const items = sim.store.byMaHoSo(ma).map((d) => ({
      hoSoId: d.hoSoId,
      MaHoSoMotCua: d.MaHoSoMotCua,
      TrangThai: d.TrangThai,
      NgayCapNhat: d.NgayCapNhat,
    }));
    sendOk(res, now(), items, 'Thành công');
  });

  router.post('/motcua/capnhattrangthaibosunghoso', (req, res) => {
    sim.count.supplementCalls += 1;
    const body = readJson(req);
    if (!body.ok) return invalid(res, body.message);
    const v = validateBoSung(body.value.json);
    if (!v.ok) return invalid(res, v.message);
    const outcome = sim.supplement(v.value);
    if (!outcome.ok) return invalid(res, outcome.message);
    if (faultAfterCommit(res)) return;
    sendOk(res, now(), true, 'Cập nhật trạng thái bổ sung hồ sơ thành công');
  });

  router.post('/motcua/capnhattrangthaitraketquahoso', (req, res) => {
    sim.count.resultCalls += 1;
    const body = readJson(req);
    if (!body.ok) return invalid(res, body.message);
    const v = validateTraKetQua(body.value.json);
    if (!v.ok) return invalid(res, v.message);
    const outcome = sim.handOver(v.value);
    if (!outcome.ok) return invalid(res, outcome.message);
    if (faultAfterCommit(res)) return;
    sendOk(res, now(), true, 'Cập nhật trạng thái trả kết quả hồ sơ thành công');
  });

  router.get('/motcua/tep/:name', (req, res) => {
    const name = String(req.params.name);
    const file = sim.files.get(name);
    if (!file) return sendNotFound(res, now(), `name: không tìm thấy tệp ${name}`);
    sim.count.fileDownloads += 1;
    res
      .status(200)
      .set('Content-Disposition', `attachment; filename="${encodeURIComponent(name)}"`)
      .type(file.contentType)
      .send(file.content);
  });

  // Body too large or unreadable: rejected like any invalid request.
  router.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const type = (err as { type?: string }).type;
    invalid(res, type === 'entity.too.large' ? 'body: quá lớn' : 'body: không đọc được');
  });

  return router;
}
