// Small helpers the viewer's parts share: building elements, and reading DICOM JSON values.

/** The first value of <paramref name="tag"/> (8 hex digits) in a DICOM JSON data set, or undefined. */
export const value = (dataset, tag) => dataset?.[tag]?.Value?.[0];

/** The first value as text ('' when absent); a person name as its alphabetic form. */
export const text = (dataset, tag) => {
  const v = value(dataset, tag);
  return v === undefined || v === null ? '' : typeof v === 'object' ? (v.Alphabetic ?? '') : String(v);
};

/** An element with attributes (style: an object; onX: a listener) and children. */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, v] of Object.entries(attributes)) {
    if (key === 'style') Object.assign(node.style, v);
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) node.setAttribute(key, v === true ? '' : v);
  }
  node.append(...children);
  return node;
}

export const buttonStyle = {
  font: 'inherit', fontSize: '13px', padding: '4px 10px', border: '1px solid #5f6b7a', borderRadius: '4px',
  background: '#26303c', color: '#f2f5f8', cursor: 'pointer',
};

/** Listeners that go away together (the viewer's dispose). */
export function listenerSet() {
  const removers = [];
  return {
    listen(target, type, handler) {
      target.addEventListener(type, handler);
      removers.push(() => target.removeEventListener(type, handler));
    },
    add(remove) {
      removers.push(remove);
    },
    removeAll() {
      for (const remove of removers.splice(0)) remove();
    },
  };
}
