/** The colour schemes a person can choose in Settings; `system` follows the device. */
export type ColorScheme = 'system' | 'light' | 'dark';

/**
 * What app.html carries on <html> for the server to fill in: the chosen scheme, or nothing at all
 * when the device decides (visitors, and people who chose "As on this device").
 */
export const THEME_PLACEHOLDER = ' data-theme="%sessionboard.theme%"';

/** The attribute that replaces THEME_PLACEHOLDER: ` data-theme="dark"`, or '' to follow the device. */
export function themeAttribute(colorScheme: ColorScheme | null | undefined): string {
	return colorScheme === 'light' || colorScheme === 'dark' ? ` data-theme="${colorScheme}"` : '';
}

/**
 * Puts the scheme on the page already shown (after choosing one in Settings, or when another
 * page's data says it changed), as the server would have rendered it.
 */
export function applyTheme(root: HTMLElement, colorScheme: ColorScheme | null | undefined): void {
	if (colorScheme === 'light' || colorScheme === 'dark') root.dataset.theme = colorScheme;
	else delete root.dataset.theme;
}
