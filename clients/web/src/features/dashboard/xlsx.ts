// XLSX export, loaded only when the user clicks (exceljs is ~1 MB: its own chunk). The
// browser build (dist/exceljs.min.js, what the package's "browser" field names) is what Vite
// picks. Sheet 1 "指标" is the table of reportRows (numbers as numbers, so Excel can sum
// them); sheet 2 "说明" says which region, period and rule set produced it.
import type { MetricsReport } from '@/gen/smd/v1/metrics_pb';
import { reportRows } from './dashboard';
import { toIso } from '@/lib/dates';

export async function reportXlsx(r: MetricsReport): Promise<Blob> {
  const { default: ExcelJS } = await import('exceljs');
  const wb = new ExcelJS.Workbook();
  wb.creator = 'smd';
  const ws = wb.addWorksheet('指标');
  const rows = reportRows(r);
  ws.addRows(rows);
  ws.getRow(1).font = { bold: true };
  ws.views = [{ state: 'frozen', ySplit: 1 }];
  const widths = [14, 16, 30, 34, 8, 8, 8, 6, 10, 10];
  widths.forEach((w, i) => { ws.getColumn(i + 1).width = w; });
  const info = wb.addWorksheet('说明');
  info.addRows([
    ['地区', `${r.region?.name ?? ''} (${r.region?.region ?? ''})`],
    ['统计周期', `${toIso(r.periodStart)} 至 ${toIso(r.periodEnd)}`],
    ['规则集', r.ruleSet],
    ['数据来源', r.source],
    ['常住人口', Number(r.region?.residentPopulation ?? 0n) || ''],
  ]);
  info.getColumn(1).width = 12;
  info.getColumn(2).width = 40;
  const buf = await wb.xlsx.writeBuffer();
  return new Blob([buf], { type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' });
}

/** Saves a blob under a file name (the browser's download). */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
