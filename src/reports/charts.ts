/**
 * Geometry of the dashboard's bar charts, drawn as SVG on the server (views/reports/_bar-chart.ejs).
 * Every bar carries its label and its value as text, so a chart reads without colour.
 */

export interface ChartBar {
  label: string
  /** A second line under a column's label (the year under a month). */
  sublabel?: string
  value: number
}

export interface PlacedBar extends ChartBar {
  x: number
  y: number
  width: number
  height: number
  /** Where the value's text sits. */
  valueX: number
  valueY: number
  labelX: number
  labelY: number
}

export interface BarChart {
  orientation: 'horizontal' | 'vertical'
  width: number
  height: number
  /** The axis the bars grow from. */
  axis: { x1: number; y1: number; x2: number; y2: number }
  bars: PlacedBar[]
}

const scale = (value: number, max: number, length: number): number =>
  max <= 0 ? 0 : Math.round((value / max) * length)

/** Bars growing rightwards from a column of labels; values just past each bar's end. */
export function horizontalBarChart(
  bars: readonly ChartBar[],
  options: { labelWidth?: number } = {},
): BarChart {
  const width = 640
  const labelWidth = options.labelWidth ?? 200
  const barHeight = 28
  const gap = 12
  const valueRoom = 64
  const plot = width - labelWidth - valueRoom
  const max = Math.max(0, ...bars.map((b) => b.value))
  const placed = bars.map((bar, i) => {
    const y = gap + i * (barHeight + gap)
    const length = scale(bar.value, max, plot)
    return {
      ...bar,
      x: labelWidth,
      y,
      width: length,
      height: barHeight,
      valueX: labelWidth + length + 8,
      valueY: y + barHeight / 2,
      labelX: labelWidth - 10,
      labelY: y + barHeight / 2,
    }
  })
  const height = gap + bars.length * (barHeight + gap)
  return {
    orientation: 'horizontal',
    width,
    height,
    axis: { x1: labelWidth, y1: 0, x2: labelWidth, y2: height },
    bars: placed,
  }
}

/** Columns rising from a baseline, labelled underneath (month, then year); values above each. */
export function verticalBarChart(bars: readonly ChartBar[]): BarChart {
  const slot = 56
  const columnWidth = 36
  const margin = 12
  const top = 28
  const plot = 200
  const labelRoom = 48
  const width = Math.max(320, margin * 2 + bars.length * slot)
  const max = Math.max(0, ...bars.map((b) => b.value))
  const baseline = top + plot
  const placed = bars.map((bar, i) => {
    const length = scale(bar.value, max, plot)
    const x = margin + i * slot + (slot - columnWidth) / 2
    return {
      ...bar,
      x,
      y: baseline - length,
      width: columnWidth,
      height: length,
      valueX: x + columnWidth / 2,
      valueY: baseline - length - 8,
      labelX: x + columnWidth / 2,
      labelY: baseline + 20,
    }
  })
  return {
    orientation: 'vertical',
    width,
    height: baseline + labelRoom,
    axis: { x1: margin, y1: baseline, x2: width - margin, y2: baseline },
    bars: placed,
  }
}
