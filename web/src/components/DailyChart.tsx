// 30 days of successes, failures and changes as a bar chart (loaded only on the dashboard).
import '@mantine/charts/styles.css';
import { BarChart } from '@mantine/charts';
import { VisuallyHidden } from '@mantine/core';
import type { Dashboard } from '../types.ts';

export default function DailyChart({ daily }: { daily: Dashboard['daily'] }) {
  const data = daily.map((d) => ({ ...d, day: d.date.slice(5) }));
  return (
    <>
      <BarChart
        h={220}
        data={data}
        dataKey="day"
        series={[
          { name: 'successes', color: 'teal.6', label: 'Successes' },
          { name: 'failures', color: 'red.6', label: 'Failures' },
          { name: 'changes', color: 'blue.6', label: 'Changes' },
        ]}
        withLegend
        tickLine="y"
        yAxisProps={{ allowDecimals: false }}
        aria-hidden
      />
      <VisuallyHidden>
        <table>
          <caption>Backups per day over the last 30 days</caption>
          <thead>
            <tr>
              <th>Date</th>
              <th>Successes</th>
              <th>Failures</th>
              <th>Changes</th>
            </tr>
          </thead>
          <tbody>
            {daily.map((d) => (
              <tr key={d.date}>
                <td>{d.date}</td>
                <td>{d.successes}</td>
                <td>{d.failures}</td>
                <td>{d.changes}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </VisuallyHidden>
    </>
  );
}
