import type { RequestHandler } from './$types';
import { fromMinorUnits } from '$lib/money';
import type { Totals } from '$lib/server/billing/summary';
import { summaryView } from '$lib/server/billing/view';
import { csvDownload } from '$lib/server/csv';

const HEADER = [
	'Client',
	'Currency',
	'Sessions held',
	'Billed',
	'Paid',
	'Waived',
	'Outstanding',
	'No-shows',
	'No-shows charged',
	'Late cancellations',
	'Late cancellations charged'
];

function line(who: string, totals: Totals): (string | number)[] {
	const money = (minor: number) => fromMinorUnits(minor, totals.currency);
	return [
		who,
		totals.currency,
		totals.held,
		money(totals.billed),
		money(totals.paid),
		money(totals.waived),
		money(totals.outstanding),
		totals.noShows,
		money(totals.noShowCharged),
		totals.lateCancels,
		money(totals.lateCancelCharged)
	];
}

/** The summary the page shows for the same address, as CSV: the practice's lines, then each client's. */
export const GET: RequestHandler = async (event) => {
	const view = await summaryView(event);
	const rows = [
		HEADER,
		...(view.client ? [] : view.practice.map((totals) => line('All clients (total)', totals))),
		...view.clients.flatMap((client) =>
			client.totals.map((totals) => line(client.clientName, totals))
		)
	];
	return csvDownload(`billing-${view.period.from}-to-${view.period.to}.csv`, [rows]);
};
