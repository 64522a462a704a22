import { describe, expect, it } from 'vitest';
import { locationFromText } from './location';

const kindOf = (text: string) => locationFromText(text).locationKind;

describe('the location of an imported session', () => {
	it('is Zoom only when the address is on zoom.us or one of its subdomains', () => {
		expect(kindOf('https://zoom.us/j/123')).toBe('zoom');
		expect(kindOf('https://us02web.ZOOM.us/j/123?pwd=x')).toBe('zoom');
		expect(kindOf('https://evil.example/?zoom.us/')).toBe('link');
		expect(kindOf('https://evil.example/zoom.us/j/1')).toBe('link');
		expect(kindOf('https://zoom.us@evil.example/j/1')).toBe('link');
		expect(kindOf('https://notzoom.us/j/1')).toBe('link');
	});

	it('is a link for any other https address, kept as written', () => {
		expect(locationFromText('https://meet.example/room')).toEqual({
			locationKind: 'link',
			locationDetail: 'https://meet.example/room'
		});
	});

	it('is a place for text that is no https address', () => {
		expect(locationFromText('Room 4, 12 Main St')).toEqual({
			locationKind: 'in_person',
			locationDetail: 'Room 4, 12 Main St'
		});
		expect(kindOf('http://meet.example/room')).toBe('in_person');
		expect(kindOf('https://')).toBe('in_person');
		expect(kindOf('see https://zoom.us/j/1')).toBe('in_person');
	});
});
