// The viewer's boxes, shared by the viewer (viewer.js, stackPane.js, seriesList.js, toolbar) and by the first image the
// page's early script draws before the viewer has loaded (firstImage.js): both lay out the same boxes with these styles,
// so that the first image's stage is where the viewer's pane will be, to the pixel (the toolbar and the footer keep
// their height whether or not their controls are there yet).
export const layout = {
  root: { display: 'flex', gap: '8px', height: '100%', minHeight: '420px', color: '#f2f5f8', background: '#11161c', padding: '8px', boxSizing: 'border-box' },
  seriesList: { width: '220px', flex: '0 0 220px', display: 'flex', flexDirection: 'column', gap: '6px', overflowY: 'auto' },
  main: { flex: '1 1 auto', display: 'flex', flexDirection: 'column', gap: '6px', minWidth: '0' },
  toolbar: { display: 'flex', flexWrap: 'wrap', gap: '6px', alignItems: 'center', minHeight: '28px' },
  paneRow: { flex: '1 1 auto', display: 'flex', gap: '6px', minHeight: '0' },
  pane: { flex: '1 1 0', display: 'flex', flexDirection: 'column', gap: '6px', minWidth: '0' },
  stage: { position: 'relative', flex: '1 1 auto', minHeight: '360px', background: '#000', outline: 'none' },
  footer: { display: 'flex', gap: '8px', alignItems: 'center', height: '28px', flex: '0 0 auto' },
};
