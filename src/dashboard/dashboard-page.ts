import type { BreakerState, DashboardView } from './dashboard-view.js';

/** HTML-escapes text for element content and quoted attribute values. */
export function esc(s: string | number): string {
  return String(s).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}

/** JSON for a `<script type="application/json">` island: `<` escaped so no `</script>` can close it. */
function jsonIsland(v: unknown): string {
  return JSON.stringify(v)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

const pct = (r: number | null): string => (r === null ? '—' : `${(Math.round(r * 1000) / 10).toFixed(1)}%`);
const num = (n: number): string => n.toLocaleString('vi-VN');

/** Splits a long agency name into lines of at most about `width` characters, evenly, for the chart's axis. */
export function wrapLabel(s: string, width = 30): string[] {
  const target = Math.ceil(s.length / Math.max(1, Math.ceil(s.length / width)));
  const lines: string[] = [];
  let line = '';
  for (const word of s.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > target + 2) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.length ? lines : [s];
}

const BREAKER_TEXT: Record<BreakerState, { text: string; cls: string }> = {
  closed: { text: 'Bình thường', cls: 'ok' },
  'half-open': { text: 'Đang thử lại', cls: 'warn' },
  open: { text: 'Tạm ngừng gửi', cls: 'bad' },
};

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<link rel="stylesheet" href="/dashboard/assets/dashboard.css">
<link rel="icon" href="data:,">
</head>
<body>
${body}
</body>
</html>
`;
}

/** The page asking for the operator token (until the admin login of issue 5 replaces it). */
export function renderLoginPage(error?: string): string {
  return layout(
    'Đăng nhập — Bảng theo dõi liên thông',
    `<main class="login">
<h1>Bảng theo dõi hồ sơ liên thông</h1>
<p>Nhập mã truy cập của cán bộ quản trị để xem bảng theo dõi.</p>
${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}
<form method="post" action="/dashboard/login">
<label for="token">Mã truy cập</label>
<input id="token" name="token" type="password" autocomplete="current-password" required>
<button type="submit">Xem bảng theo dõi</button>
</form>
</main>`,
  );
}

function tile(label: string, value: string, cls = ''): string {
  return `<div class="tile ${cls}"><div class="value">${esc(value)}</div><div class="label">${esc(label)}</div></div>`;
}

function countCell(n: number, cls: string): string {
  return `<td class="num${n > 0 ? ` ${cls}` : ''}">${esc(num(n))}</td>`;
}

export interface PageLinks {
  /** The CSV download of the same period. */
  csvHref: string;
  /** `yyyy-MM-dd` values for the period form. */
  fromValue: string;
  toValue: string;
}

/** The dashboard: on-time rate per agency as a chart, overdue dossiers, deliveries and breakers per system. */
export function renderDashboardPage(v: DashboardView, links: PageLinks): string {
  const t = v.total;
  const failed = v.systems.reduce((n, s) => n + s.counts.failed + s.counts.dead, 0);
  const openBreakers = v.systems.filter((s) => s.breaker === 'open').length;
  const rateCls =
    t.onTimeRate === null ? '' : t.onTimeRate >= 0.9 ? 'ok' : t.onTimeRate >= 0.7 ? 'warn' : 'bad';
  const chartData = {
    labels: v.bars.map((b) => wrapLabel(b.agency)),
    rates: v.bars.map((b) => b.rate),
    onTime: v.bars.map((b) => b.onTime),
    resolved: v.bars.map((b) => b.resolved),
  };

  const chart =
    v.bars.length === 0
      ? '<p class="empty">Chưa có hồ sơ nào đã giải quyết xong trong kỳ này.</p>'
      : `<div class="chart-box" id="chart-box"><canvas id="on-time-chart" role="img" aria-label="Biểu đồ tỷ lệ giải quyết đúng hạn theo đơn vị xử lý"></canvas></div>
<script type="application/json" id="chart-data">${jsonIsland(chartData)}</script>
<details><summary>Xem số liệu</summary>
<table><thead><tr><th>Đơn vị xử lý</th><th class="num">Đúng hạn / đã giải quyết</th><th class="num">Tỷ lệ</th></tr></thead><tbody>
${v.bars.map((b) => `<tr><td>${esc(b.agency)}</td><td class="num">${esc(`${num(b.onTime)} / ${num(b.resolved)}`)}</td><td class="num">${esc(b.rate.toFixed(1))}%</td></tr>`).join('\n')}
</tbody></table></details>`;
  const withoutRate = v.agenciesWithoutRate.length
    ? `<p class="note">Chưa có hồ sơ giải quyết xong: ${v.agenciesWithoutRate.map(esc).join('; ')}.</p>`
    : '';

  const overdue =
    v.overdue.length === 0
      ? '<p class="empty ok-text">Không có hồ sơ nào đang quá hạn.</p>'
      : `<table class="overdue"><thead><tr><th>Mã hồ sơ</th><th>Đơn vị xử lý</th><th>Đang nằm ở</th><th>Người xử lý gần nhất</th><th>Hạn xử lý</th><th class="num">Số ngày trễ</th><th class="num">Phiếu xin lỗi</th></tr></thead><tbody>
${v.overdue
  .map(
    (o) =>
      `<tr><td class="code">${esc(o.MaHoSo)}</td><td>${esc(o.agency)}</td><td>${esc(o.holders.join(', ') || '—')}</td><td>${esc(o.lastHandler || '—')}</td><td>${esc(o.deadline)}</td><td class="num late">${o.workingDaysLate === 0 ? 'dưới 1 ngày' : esc(num(o.workingDaysLate))}</td><td class="num">${o.apologyLetters === 0 ? '<span class="bad-text">chưa có</span>' : esc(num(o.apologyLetters))}</td></tr>`,
  )
  .join('\n')}
</tbody></table>${v.overdueCount > v.overdue.length ? `<p class="note">Và ${esc(num(v.overdueCount - v.overdue.length))} hồ sơ quá hạn khác (hiển thị ${v.overdue.length} hồ sơ trễ lâu nhất).</p>` : ''}`;

  const systems = `<table class="systems"><thead><tr><th>Hệ thống</th><th class="num">Chờ gửi</th><th class="num">Đang gửi</th><th class="num">Chờ gửi lại</th><th class="num">Bị từ chối</th><th class="num">Hết lượt thử</th><th>Cầu dao (ngắt mạch)</th></tr></thead><tbody>
${v.systems
  .map((s) => {
    const b = s.breaker ? BREAKER_TEXT[s.breaker] : { text: 'Không rõ', cls: 'unknown' };
    return `<tr><td>${esc(s.label)}</td>${countCell(s.counts.queued, 'info')}${countCell(s.counts.delivering, 'info')}${countCell(s.counts.retrying, 'warn-text')}${countCell(s.counts.failed, 'bad-text')}${countCell(s.counts.dead, 'bad-text')}<td><span class="badge ${b.cls}" data-breaker="${esc(s.system)}">${esc(b.text)}</span></td></tr>`;
  })
  .join('\n')}
</tbody></table>${v.breakersKnown ? '' : '<p class="note">Tiến trình này chỉ phục vụ API: trạng thái cầu dao nằm ở tiến trình xử lý hàng đợi.</p>'}`;

  return layout(
    'Bảng theo dõi hồ sơ liên thông',
    `<header>
<div><h1>Bảng theo dõi hồ sơ liên thông</h1>
<p class="sub">Hồ sơ tiếp nhận từ ${esc(v.period.from)} đến ${esc(v.period.to)} · cập nhật lúc ${esc(v.generatedAt)}</p></div>
<form class="period" method="get" action="/dashboard">
<label>Từ ngày <input type="date" name="from" value="${esc(links.fromValue)}"></label>
<label>Đến ngày <input type="date" name="to" value="${esc(links.toValue)}"></label>
<button type="submit">Xem</button>
<a class="button" href="${esc(links.csvHref)}">Tải báo cáo (Excel)</a>
</form>
<form method="post" action="/dashboard/logout"><button type="submit" class="link">Thoát</button></form>
</header>
<main>
<section class="tiles">
${tile('Hồ sơ tiếp nhận', num(t.received))}
${tile('Tỷ lệ giải quyết đúng hạn', pct(t.onTimeRate), rateCls)}
${tile('Hồ sơ đang quá hạn', num(t.inProgressOverdue), t.inProgressOverdue > 0 ? 'bad' : 'ok')}
${tile('Giao nhận lỗi', num(failed), failed > 0 ? 'bad' : 'ok')}
${tile('Hệ thống tạm ngừng gửi', num(openBreakers), openBreakers > 0 ? 'bad' : 'ok')}
${tile('Tiếp nhận trực tuyến', pct(t.onlineShare))}
</section>
<section>
<h2>Tỷ lệ giải quyết đúng hạn theo đơn vị xử lý</h2>
<p class="legend"><span class="sw ok"></span> từ 90% <span class="sw warn"></span> 70–90% <span class="sw bad"></span> dưới 70% · thời gian chờ công dân bổ sung hồ sơ không tính vào thời hạn</p>
${chart}
${withoutRate}
</section>
<section>
<h2>Hồ sơ đang quá hạn (${esc(num(v.overdueCount))})</h2>
${overdue}
</section>
<section>
<h2>Giao nhận với các hệ thống chuyên ngành</h2>
${systems}
</section>
</main>
<script src="/dashboard/assets/chart.umd.min.js"></script>
<script src="/dashboard/assets/dashboard.js"></script>`,
  );
}
