import { createTheme, type Theme } from '@mui/material/styles';

/** Lifeboat's look: calm blue, dense tables, rounded cards. */
export function makeTheme(mode: 'light' | 'dark'): Theme {
  return createTheme({
    palette: {
      mode,
      primary: { main: mode === 'dark' ? '#60a5fa' : '#1d4ed8' },
      secondary: { main: '#0d9488' },
      background: mode === 'dark' ? { default: '#0b1220', paper: '#111a2e' } : { default: '#f4f6fb', paper: '#ffffff' },
    },
    shape: { borderRadius: 10 },
    typography: { fontFamily: '"Inter", "Segoe UI", "Roboto", "Helvetica", "Arial", sans-serif', button: { textTransform: 'none', fontWeight: 600 } },
    components: {
      MuiButton: { defaultProps: { disableElevation: true } },
      MuiCard: { defaultProps: { variant: 'outlined' } },
    },
  });
}
