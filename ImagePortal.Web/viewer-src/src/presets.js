// The viewer's window presets, apart so that the toolbar's placeholder (toolbarView.js, drawn before Cornerstone has
// loaded) lists them without loading the viewer.

/** Window presets (width, centre) in Hounsfield units; "file" is the image's own VOI. */
export const presets = {
  brain: { label: 'Brain', width: 80, center: 40 },
  lung: { label: 'Lung', width: 1500, center: -600 },
  bone: { label: 'Bone', width: 2000, center: 300 },
  soft: { label: 'Soft tissue', width: 400, center: 40 },
};
