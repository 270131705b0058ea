/**
 * The DVCQG dossier status codes (TrangThaiHoSo, specs/README.md §3.1) and the transitions the
 * gateway allows itself to send to the portal.
 *
 * @remarks The portal applies whatever arrives last and only guards terminal states
 * (portal.md §5.7), so the gateway is the one that must refuse to move a dossier backwards:
 * a late "4" after "9" would otherwise reopen a finished dossier at the portal.
 */
export type TrangThaiHoSo = '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9' | '10';

export const STATUS_NAMES: Record<TrangThaiHoSo, string> = {
  '1': 'Mới đăng ký',
  '2': 'Được tiếp nhận',
  '3': 'Không được tiếp nhận',
  '4': 'Đang xử lý',
  '5': 'Yêu cầu bổ sung giấy tờ',
  '6': 'Yêu cầu thực hiện nghĩa vụ tài chính',
  '7': 'Công dân yêu cầu rút hồ sơ',
  '8': 'Dừng xử lý',
  '9': 'Đã xử lý xong',
  '10': 'Đã trả kết quả',
};

export const TERMINAL: ReadonlySet<TrangThaiHoSo> = new Set(['3', '7', '8', '10']);

/**
 * Allowed transitions, written down once. Staying in the same status is always allowed (a new
 * progress row of the same step). 4, 5 and 6 are the working states and move freely between each
 * other; 9 only moves on to 10; terminal states are never left.
 */
export const TRANSITIONS: Readonly<Record<TrangThaiHoSo, readonly TrangThaiHoSo[]>> = {
  '1': ['2', '3', '7'],
  '2': ['3', '4', '5', '6', '7', '8', '9', '10'],
  '4': ['5', '6', '7', '8', '9', '10'],
  '5': ['4', '6', '7', '8', '9'],
  '6': ['4', '5', '7', '8', '9'],
  '9': ['10'],
  '3': [],
  '7': [],
  '8': [],
  '10': [],
};

export function isStatus(s: unknown): s is TrangThaiHoSo {
  return typeof s === 'string' && Object.prototype.hasOwnProperty.call(TRANSITIONS, s);
}

export function isTerminal(s: TrangThaiHoSo): boolean {
  return TERMINAL.has(s);
}

export function canTransition(from: TrangThaiHoSo, to: TrangThaiHoSo): boolean {
  return from === to ? true : TRANSITIONS[from].includes(to);
}
