/** `ridgeline hardware [id]`: the hardware catalog, or every number of one device with its sources. */
import type { Command } from 'commander';
import type { HardwareSpec } from '@ridgeline/core';
import {
  EXCLUDED_HARDWARE,
  HARDWARE_CATALOG,
  closestMatches,
  findHardware,
  hardwareIds,
  messages,
} from '@ridgeline/core';
import type { Loaded } from '../files.js';
import { failed, loaded, resolveContext, resolveHardwareRef } from '../files.js';
import { diagnosticLines, fields, gb, grouped, num, table } from '../format.js';
import type { Io } from '../io.js';
import { failWith, printJson } from './common.js';

interface HardwareOptions {
  readonly json?: boolean;
}

/** A catalog device by id or alias, or the device a file describes. */
export function lookupHardware(io: Io, ref: string): Loaded<HardwareSpec> {
  const r = resolveHardwareRef(resolveContext(io), ref, []);
  if (!r.ok) return r;
  if (typeof r.value !== 'string') return loaded(r.value, r.diagnostics);
  const found = findHardware(ref);
  return found !== undefined
    ? loaded(found)
    : failed([messages.unknownHardware(ref, closestMatches(ref, hardwareIds()))]);
}

const tflops = (x: number | undefined): string => (x === undefined ? '' : num(x / 1e12));
const perSecond = (bytes: number): string => `${num(bytes / 1e9)} GB/s`;

function formatList(): string {
  const rows = hardwareIds().flatMap((id) => {
    const h = HARDWARE_CATALOG.get(id);
    if (h === undefined) return [];
    const p = h.peakFlopsPerSecond;
    return [
      [
        id,
        h.name,
        h.vendor,
        num(h.memory.capacityBytes / 1e9),
        num(h.memory.bandwidthBytesPerSecond / 1e9),
        tflops(p.bf16),
        tflops(p.fp8),
        tflops(p.fp4),
        h.scaleUp === undefined
          ? ''
          : `${num(h.scaleUp.bandwidthBytesPerSecond / 1e9)} ×${grouped(h.scaleUp.domainSize)}`,
      ],
    ];
  });
  const out = table(
    [
      { header: 'id' },
      { header: 'name' },
      { header: 'vendor' },
      { header: 'memory GB', align: 'right' },
      { header: 'GB/s', align: 'right' },
      { header: 'bf16 TFLOPS', align: 'right' },
      { header: 'fp8', align: 'right' },
      { header: 'fp4', align: 'right' },
      { header: 'scale-up GB/s ×domain' },
    ],
    rows,
    '',
  );
  const left = EXCLUDED_HARDWARE.map((e) => `note: ${e.id} is not in the catalog: ${e.reason}\n`);
  return left.length > 0 ? `${out}\n${left.join('')}` : out;
}

function formatDevice(h: HardwareSpec): string {
  const out: string[] = [`${h.name} (${h.id})\n`];
  const head: [string, string][] = [
    ['vendor', h.vendor],
    ['family', h.family],
  ];
  if (h.launchYear !== undefined) head.push(['launched', String(h.launchYear)]);
  if (h.tdpWatts !== undefined) head.push(['power', `${num(h.tdpWatts)} W`]);
  if (h.priceUsdPerHour !== undefined) head.push(['price', `$${num(h.priceUsdPerHour)} per hour`]);
  out.push(fields(head));

  out.push('\nDense peak rates\n');
  const rates = Object.entries(h.peakFlopsPerSecond).flatMap(([format, value]) =>
    value === undefined
      ? []
      : [
          [format, `${num(value / 1e12)} ${format.startsWith('int') ? 'TOPS' : 'TFLOPS'}`] as [
            string,
            string,
          ],
        ],
  );
  out.push(rates.length > 0 ? fields(rates) : '  (none)\n');

  out.push('\nMemory\n');
  const mem: [string, string][] = [
    [h.memory.name, `${gb(h.memory.capacityBytes)}, ${perSecond(h.memory.bandwidthBytesPerSecond)}`],
  ];
  for (const t of h.offloadTiers)
    mem.push([t.name, `${gb(t.capacityBytes)}, ${perSecond(t.bandwidthBytesPerSecond)}`]);
  if (h.onChipBytes !== undefined) mem.push(['on-chip', `${num(h.onChipBytes / 1e6)} MB`]);
  out.push(fields(mem));

  out.push('\nInterconnect\n');
  const net: [string, string][] = [];
  if (h.scaleUp !== undefined) {
    const link = h.scaleUp.link === '' ? 'scale-up' : h.scaleUp.link;
    net.push([
      'scale-up',
      `${link}: ${perSecond(h.scaleUp.bandwidthBytesPerSecond)} per device per direction, domain of ${grouped(h.scaleUp.domainSize)}`,
    ]);
  }
  if (h.scaleOut !== undefined)
    net.push(['scale-out', `${perSecond(h.scaleOut.bandwidthBytesPerSecond)} per device`]);
  out.push(net.length > 0 ? fields(net) : '  (none)\n');

  const sources = Object.entries(h.sources);
  if (sources.length > 0) {
    out.push('\nSources\n');
    out.push(fields(sources));
  }
  if (h.notes !== undefined) out.push(`\nNotes\n  ${h.notes}\n`);
  return out.join('');
}

function runHardware(io: Io, ref: string | undefined, o: HardwareOptions): void {
  const json = o.json === true;
  if (ref === undefined) {
    if (json)
      printJson(io, {
        hardware: hardwareIds().map((id) => HARDWARE_CATALOG.get(id)),
        excluded: EXCLUDED_HARDWARE,
      });
    else io.stdout(formatList());
    return;
  }
  const found = lookupHardware(io, ref);
  if (!found.ok) failWith(io, found.diagnostics, json);
  if (json) printJson(io, found.value);
  else {
    io.stdout(formatDevice(found.value));
    if (found.diagnostics.length > 0) io.stdout('\n' + diagnosticLines(found.diagnostics));
  }
}

export function registerHardware(program: Command, io: Io): void {
  program
    .command('hardware')
    .description('list the hardware catalog, or show one device with every number and its sources')
    .argument('[id|path]', 'catalog id or alias, or a hardware file')
    .option('--json', 'print as JSON')
    .action((ref: string | undefined, options: HardwareOptions) => {
      runHardware(io, ref, options);
    });
}
