/** One entry of a dossier's timeline, as `GET /v1/dossiers/{MaHoSo}` shows it. */
export interface TimelineEntry {
  at: string;
  type:
    | 'received'
    | 'version'
    | 'duplicate'
    | 'rejected'
    | 'delivered'
    | 'delivery-failed'
    | 'callback'
    | 'callback-late'
    | 'status'
    | 'portal-synced'
    | 'portal-sync-failed'
    | 'note'
    | 'replay'
    | 'resolved-by-hand';
  system?: string;
  detail: string;
  data?: Record<string, unknown>;
}
