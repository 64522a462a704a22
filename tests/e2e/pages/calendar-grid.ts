import { expect, type Locator, type Page } from '@playwright/test';

/** One hour's height in the time grid (HOUR_PX in src/lib/components/calendar/TimeGrid.svelte). */
const HOUR_PX = 48;

const minutesOf = (time: string) => {
	const [h, m] = time.split(':').map(Number);
	return h! * 60 + m!;
};

/** /calendar: the day, week and month grids. */
export class CalendarGridPage {
	readonly heading: Locator;
	readonly grid: Locator;
	readonly monthGrid: Locator;
	readonly agenda: Locator;
	readonly todayPanel: Locator;
	readonly refusal: Locator;
	readonly status: Locator;
	readonly shortcuts: Locator;

	constructor(readonly page: Page) {
		this.heading = page.getByRole('heading', { name: 'Calendar', level: 1 });
		this.grid = page.getByTestId('time-grid').filter({ visible: true });
		this.monthGrid = page.getByTestId('month-grid');
		this.agenda = page.getByTestId('calendar-agenda');
		this.todayPanel = page.getByTestId('today-panel');
		this.refusal = page.getByRole('alert').filter({ hasText: 'Not moved' });
		this.status = page.getByRole('status').filter({ hasText: 'Moved' });
		this.shortcuts = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
	}

	async goto(view: 'day' | 'week' | 'month' = 'week', date?: string): Promise<void> {
		await this.page.goto(`/calendar?view=${view}${date ? `&date=${date}` : ''}`);
		await expect(this.heading).toBeVisible();
	}

	/** A one-to-one session's block in the visible grid, by its client's name. */
	session(clientName: string): Locator {
		return this.page
			.getByTestId('calendar-session')
			.filter({ visible: true })
			.filter({ hasText: clientName });
	}

	groupDate(title: string): Locator {
		return this.page
			.getByTestId('calendar-group-date')
			.filter({ visible: true })
			.filter({ hasText: title });
	}

	column(date: string): Locator {
		return this.grid.locator(`[data-day="${date}"]`);
	}

	/**
	 * The grid scrolled so that `time` is in view near its top, and the page so that the grid is;
	 * then the point of `time` in the day's column, a few pixels into the slot.
	 */
	async pointAt(date: string, time: string, into = 6): Promise<{ x: number; y: number }> {
		const top = (minutesOf(time) / 60) * HOUR_PX;
		await this.grid.evaluate((grid, to) => {
			grid.scrollTop = Math.max(0, to - 120);
			grid.scrollIntoView({ block: 'start' });
		}, top);
		const box = (await this.column(date).boundingBox())!;
		return { x: box.x + box.width / 2, y: box.y + top + into };
	}

	/** Drags a session with the mouse, by its top edge, to start at `time` on `date`. */
	async drag(clientName: string, date: string, time: string): Promise<void> {
		const block = this.session(clientName);
		const from = (await block.getAttribute('data-start'))!.split('T');
		await this.pointAt(from[0]!, from[1]!);
		const start = (await block.boundingBox())!;
		const grab = { x: start.x + start.width / 2, y: start.y + 6 };
		const column = (await this.column(date).boundingBox())!;
		const target = {
			x: column.x + column.width / 2,
			y: column.y + (minutesOf(time) / 60) * HOUR_PX + 7
		};
		const { mouse } = this.page;
		await mouse.move(grab.x, grab.y);
		await mouse.down();
		await mouse.move(grab.x, grab.y + 20, { steps: 3 });
		await mouse.move(target.x, target.y, { steps: 10 });
		await mouse.up();
	}

	/** The same drag by a finger: touch events, which the browser turns into touch pointer events. */
	async dragByTouch(clientName: string, date: string, time: string): Promise<void> {
		const block = this.session(clientName);
		const from = (await block.getAttribute('data-start'))!.split('T');
		await this.pointAt(from[0]!, from[1]!);
		const start = (await block.boundingBox())!;
		const grab = { x: start.x + start.width / 2, y: start.y + 6 };
		const column = (await this.column(date).boundingBox())!;
		const target = {
			x: column.x + column.width / 2,
			y: column.y + (minutesOf(time) / 60) * HOUR_PX + 7
		};
		const cdp = await this.page.context().newCDPSession(this.page);
		const touch = (
			type: 'touchStart' | 'touchMove' | 'touchEnd',
			point?: { x: number; y: number }
		) => cdp.send('Input.dispatchTouchEvent', { type, touchPoints: point ? [point] : [] });
		await touch('touchStart', grab);
		for (let step = 1; step <= 10; step += 1) {
			await touch('touchMove', {
				x: grab.x + ((target.x - grab.x) * step) / 10,
				y: grab.y + ((target.y - grab.y) * step) / 10
			});
		}
		await touch('touchEnd');
		await cdp.detach();
	}

	/** Clicks free time in a day's column. */
	async tapSlot(date: string, time: string): Promise<void> {
		const point = await this.pointAt(date, time, 12);
		await this.page.mouse.click(point.x, point.y);
	}

	async expectAt(clientName: string, date: string, time: string): Promise<void> {
		await expect(this.session(clientName)).toHaveAttribute('data-start', `${date}T${time}`);
	}
}
