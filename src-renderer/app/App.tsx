import Box from '@mui/material/Box';
import CssBaseline from '@mui/material/CssBaseline';
import List from '@mui/material/List';
import ListItem from '@mui/material/ListItem';
import ListItemButton from '@mui/material/ListItemButton';
import ListItemIcon from '@mui/material/ListItemIcon';
import ListItemText from '@mui/material/ListItemText';
import { ThemeProvider } from '@mui/material/styles';
import Typography from '@mui/material/Typography';
import useMediaQuery from '@mui/material/useMediaQuery';
import DashboardIcon from '@mui/icons-material/SpaceDashboardOutlined';
import HistoryIcon from '@mui/icons-material/HistoryOutlined';
import ProfilesIcon from '@mui/icons-material/FolderSpecialOutlined';
import SettingsIcon from '@mui/icons-material/SettingsOutlined';
import AuditIcon from '@mui/icons-material/VerifiedUserOutlined';
import SailingIcon from '@mui/icons-material/Sailing';
import { useEffect, useMemo, useState, type ReactNode } from 'react';
import { BackupDetails } from '../features/history/BackupDetails';
import { on } from '../lib/api';
import { ActiveJobs } from '../components/ActiveJobs';
import { Audit } from '../features/audit/Audit';
import { BackupDialog } from '../features/backup/BackupDialog';
import { Dashboard } from '../features/dashboard/Dashboard';
import { History } from '../features/history/History';
import { ProfileEditor } from '../features/profiles/ProfileEditor';
import { Profiles } from '../features/profiles/Profiles';
import { RestoreWizard } from '../features/restore/RestoreWizard';
import { Settings } from '../features/settings/Settings';
import { useQuery } from '../lib/hooks';
import { ActionsContext, type AppActions, type HistoryFocus, type Page, type RestoreTarget } from './actions';
import { DropImport } from './DropImport';
import { NotifyProvider } from './notify';
import { makeTheme } from './theme';

const NAV: { page: Page; label: string; icon: ReactNode }[] = [
  { page: 'dashboard', label: 'Dashboard', icon: <DashboardIcon /> },
  { page: 'history', label: 'History', icon: <HistoryIcon /> },
  { page: 'profiles', label: 'Profiles', icon: <ProfilesIcon /> },
  { page: 'audit', label: 'Audit trail', icon: <AuditIcon /> },
  { page: 'settings', label: 'Settings', icon: <SettingsIcon /> },
];

/** The window: navigation on the left, the current screen, dialogs, drag-and-drop import. */
export function App() {
  const prefersDark = useMediaQuery('(prefers-color-scheme: dark)');
  const settings = useQuery('settings:get', {});
  const info = useQuery('app:get-info', {});
  const choice = settings.data?.theme ?? 'system';
  const mode = choice === 'system' ? (prefersDark ? 'dark' : 'light') : choice;
  const theme = useMemo(() => makeTheme(mode), [mode]);
  const [page, setPage] = useState<Page>('dashboard');
  const [backupOpen, setBackupOpen] = useState<{ profile?: string } | null>(null);
  const [restore, setRestore] = useState<RestoreTarget | null>(null);
  const [focused, setFocused] = useState<string | null>(null);
  const [historyFocus, setHistoryFocus] = useState<HistoryFocus | null>(null);
  const [newProfile, setNewProfile] = useState(false);
  useEffect(() => on('backup:focused', (e) => setFocused(e.id)), []);
  const actions: AppActions = useMemo(
    () => ({
      openBackupDialog: (profile) => setBackupOpen(profile ? { profile } : {}),
      openRestoreWizard: (target) => setRestore(target),
      go: (p) => {
        setHistoryFocus(null);
        setPage(p);
      },
      showInHistory: (f) => {
        setHistoryFocus(f);
        setPage('history');
      },
      createProfile: () => {
        setHistoryFocus(null);
        setPage('profiles');
        setNewProfile(true);
      },
    }),
    [],
  );

  return (
    <ThemeProvider theme={theme}>
      <CssBaseline />
      <NotifyProvider>
        <ActionsContext.Provider value={actions}>
          <DropImport>
            <Box sx={{ display: 'flex', height: '100vh', overflow: 'hidden' }}>
              <Box component="nav" aria-label="Main" sx={{ width: { xs: 200, lg: 220 }, flexShrink: 0, overflowY: 'auto', borderRight: 1, borderColor: 'divider', bgcolor: 'background.paper', display: 'flex', flexDirection: 'column' }}>
                <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, px: 2.5, py: 2.5 }}>
                  <SailingIcon color="primary" />
                  <Typography variant="h6" sx={{ fontWeight: 700 }}>
                    Lifeboat
                  </Typography>
                </Box>
                {/* A list holds list items only: each button sits in an <li> (axe: "list", "listitem"). */}
                <List sx={{ px: 1 }}>
                  {NAV.map((n) => (
                    <ListItem key={n.page} disablePadding sx={{ mb: 0.5 }}>
                      <ListItemButton selected={page === n.page} aria-current={page === n.page ? 'page' : undefined} onClick={() => actions.go(n.page)} sx={{ borderRadius: 2 }} data-testid={`nav-${n.page}`}>
                        <ListItemIcon sx={{ minWidth: 36 }}>{n.icon}</ListItemIcon>
                        <ListItemText primary={n.label} />
                      </ListItemButton>
                    </ListItem>
                  ))}
                </List>
                <Box sx={{ flexGrow: 1 }} />
                <ActiveJobs />
                <Typography variant="caption" color="text.secondary" sx={{ px: 2.5, py: 2 }}>
                  v{info.data?.version ?? ''} · drop a .zip, .tar.gz or .age anywhere to import it
                </Typography>
              </Box>
              <Box component="main" sx={{ flexGrow: 1, p: { xs: 2, lg: 3 }, minWidth: 0, overflow: 'auto', display: 'flex', flexDirection: 'column' }}>
                {page === 'dashboard' && <Dashboard />}
                {page === 'history' && <History key={historyFocus?.id ?? 'all'} focus={historyFocus} />}
                {page === 'profiles' && <Profiles />}
                {page === 'settings' && <Settings />}
                {page === 'audit' && <Audit />}
              </Box>
            </Box>
            {backupOpen && <BackupDialog initialProfile={backupOpen.profile} onClose={() => setBackupOpen(null)} />}
            {restore && <RestoreWizard target={restore} onClose={() => setRestore(null)} />}
            {focused && <BackupDetails id={focused} onClose={() => setFocused(null)} />}
            {newProfile && <ProfileEditor profile={null} onClose={() => setNewProfile(false)} />}
          </DropImport>
        </ActionsContext.Provider>
      </NotifyProvider>
    </ThemeProvider>
  );
}
