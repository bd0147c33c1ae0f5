import CheckCircleOutline from '@mui/icons-material/CheckCircleOutlineOutlined';
import ErrorOutline from '@mui/icons-material/ErrorOutlineOutlined';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Chip from '@mui/material/Chip';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import type { ImportPreviewView } from '../../../src-shared/ipc/contract';
import { formatBytes, formatDateTime } from '../../../src-shared/domain/format';

const VOUCHED: Record<ImportPreviewView['vouchedBy'], { severity: 'success' | 'warning'; text: string }> = {
  sidecar: { severity: 'success', text: 'Vouched for: the checksum file that came with it matches the whole archive, and every entry matches its manifest.' },
  manifest: { severity: 'warning', text: 'Consistent, not vouched for: every entry matches the manifest inside the archive, but no checksum file from its origin came with it.' },
  none: { severity: 'warning', text: 'Not vouched for: nothing from its origin says what its contents should be.' },
};

function Fact({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <>
      <Typography component="dt" variant="body2" color="text.secondary">
        {label}
      </Typography>
      <Typography component="dd" variant="body2" sx={{ m: 0, wordBreak: 'break-all' }}>
        {children}
      </Typography>
    </>
  );
}

/**
 * What a dropped archive is, read where it lies before anything is copied: Lifeboat or foreign,
 * its size, sources and origin, and each check worded as exactly what was compared.
 */
export function ImportPreview({ preview }: { preview: ImportPreviewView }) {
  const o = preview.origin;
  const vouched = VOUCHED[preview.vouchedBy];
  // An encrypted archive before its key is given: only the stored bytes were read (issue 14).
  const sealed = preview.encryption !== undefined && !preview.encryption.opened;
  return (
    <Box sx={{ display: 'grid', gap: 2 }} data-testid="import-preview">
      <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap', alignItems: 'center' }}>
        <Chip
          size="small"
          color={preview.kind === 'lifeboat' ? 'primary' : 'default'}
          label={preview.encryption ? 'Encrypted Lifeboat archive' : preview.kind === 'lifeboat' ? 'Lifeboat archive' : `Foreign ${preview.format === 'zip' ? 'ZIP' : 'tar.gz'} (not made by Lifeboat)`}
          data-testid="import-kind"
        />
        <Typography variant="body2" color="text.secondary">
          {formatBytes(preview.size)} · {sealed ? 'contents not read yet' : `${preview.files.toLocaleString()} file${preview.files === 1 ? '' : 's'}`} · {preview.format}
          {preview.encryption ? ' · age' : ''}
        </Typography>
      </Box>
      {preview.problems.length > 0 ? (
        <Alert severity="error" data-testid="import-problems">
          It fails its own checks and cannot be imported:
          {preview.problems.slice(0, 5).map((p) => (
            <div key={p}>{p}</div>
          ))}
        </Alert>
      ) : sealed ? null : (
        <Alert severity={vouched.severity} data-testid="import-vouched">
          {vouched.text}
        </Alert>
      )}
      <Box component="dl" sx={{ display: 'grid', gridTemplateColumns: 'max-content 1fr', columnGap: 2, rowGap: 0.5, m: 0 }}>
        <Fact label="File">{preview.path}</Fact>
        {o ? (
          <>
            <Fact label="Made on">{o.host}</Fact>
            <Fact label="Made by">{o.user}</Fact>
            <Fact label="Created">{formatDateTime(o.createdAt)}</Fact>
            {o.profile && <Fact label="Profile">{o.profile}</Fact>}
            {o.description && <Fact label="Description">{o.description}</Fact>}
            <Fact label="Lifeboat version">{o.appVersion}</Fact>
          </>
        ) : sealed ? (
          <Fact label="Origin">In the encrypted manifest: shown once the archive is open.</Fact>
        ) : (
          <Fact label="Origin">Unknown: a plain archive records no host, user or purpose.</Fact>
        )}
      </Box>
      {preview.sources.length > 0 && (
        <Table size="small" data-testid="import-sources">
          <TableHead>
            <TableRow>
              <TableCell>Source</TableCell>
              <TableCell>Kind</TableCell>
              <TableCell align="right">Contents</TableCell>
              <TableCell align="right">Size</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {preview.sources.map((s) => (
              <TableRow key={s.name}>
                <TableCell>{s.name}</TableCell>
                <TableCell>{s.kind}</TableCell>
                <TableCell align="right">{s.files !== null ? `${s.files.toLocaleString()} files` : `${(s.rows ?? 0).toLocaleString()} rows`}</TableCell>
                <TableCell align="right">{formatBytes(s.bytes)}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      <Box>
        <Typography variant="subtitle2" component="h3" sx={{ mb: 0.5 }}>
          What was checked (read in place, nothing copied)
        </Typography>
        <Box component="ul" sx={{ m: 0, pl: 0, listStyle: 'none', display: 'grid', gap: 0.5 }} data-testid="import-checks">
          {preview.checks.map((c) => (
            <Box component="li" key={c.text} sx={{ display: 'flex', gap: 1, alignItems: 'flex-start' }}>
              {c.ok ? <CheckCircleOutline fontSize="small" color="success" titleAccess="passed" /> : <ErrorOutline fontSize="small" color="warning" titleAccess="not vouched" />}
              <Typography variant="body2">{c.text}</Typography>
            </Box>
          ))}
        </Box>
      </Box>
      {preview.duplicateOf && (
        <Alert severity="info" data-testid="import-duplicate">
          These exact bytes are already in the catalog as {preview.duplicateOf.fileName}: nothing needs to be copied.
        </Alert>
      )}
    </Box>
  );
}
