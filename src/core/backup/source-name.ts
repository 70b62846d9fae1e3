// Successive exports of one chat share a source: the export's name without date stamps and copy marks.

const DATE_STAMP =
  /[\s_-]*\(?\d{4}-?\d{2}-?\d{2}(?:[\s_T-]*\d{2}[-_.:]?\d{2}(?:[-_.:]?\d{2})?)?\)?|[\s_-]*\(\d+\)/g;

/** "WhatsApp Chat - Alice (2).zip" → "WhatsApp Chat - Alice"; "ChatExport_2026-11-26" → "ChatExport". */
export function sourceOf(exportName: string): string {
  const withoutExtension = exportName.replace(/\.(zip|txt|json|html)$/i, '');
  const cleaned = withoutExtension.replace(DATE_STAMP, '').trim();
  return cleaned || withoutExtension;
}
