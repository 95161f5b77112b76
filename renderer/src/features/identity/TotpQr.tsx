import { useMemo } from 'react';
import qrcode from 'qrcode-generator';

/**
 * The otpauth URI as a QR code, drawn here as SVG from the module matrix (no network, no image
 * URL, no inner HTML: the CSP stays strict). Dark modules on a white square with a quiet zone, in
 * both themes, since phone cameras expect dark on light.
 */
export function TotpQr({ uri, label }: { uri: string; label: string }) {
  const { size, path } = useMemo(() => {
    const qr = qrcode(0, 'M');
    qr.addData(uri);
    qr.make();
    const n = qr.getModuleCount();
    let d = '';
    for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) if (qr.isDark(r, c)) d += `M${c + 4} ${r + 4}h1v1h-1z`;
    return { size: n + 8, path: d };
  }, [uri]);
  return (
    <svg className="totp-qr" role="img" aria-label={label} viewBox={`0 0 ${size} ${size}`} shapeRendering="crispEdges">
      <rect width={size} height={size} fill="#fff" />
      <path d={path} fill="#000" />
    </svg>
  );
}
