import { EDXML_NS } from './edxml-schema.js';
import type { ElementRule } from './edxml-schema.js';
import { invalidEdxml } from './rejection.js';
import type { XmlNode } from './xml-reader.js';

/**
 * Checks an element tree against its rules the way a schema-validating receiver does: every
 * element in the edXML namespace, children in the listed order, required elements present and
 * non-empty, non-repeating elements once, leaf texts in their format. An optional leaf that is
 * present but empty (e.g. `<BussinessDocReason></BussinessDocReason>` in the spec's example) counts
 * as absent. The first violation is thrown as `INVALID_EDXML` naming its path below
 * `edXMLEnvelope`.
 */
export function checkStructure(root: XmlNode, rule: ElementRule): void {
  if (root.uri !== EDXML_NS || root.local !== rule.name) {
    throw invalidEdxml(rule.name, `phần tử gốc phải là ${rule.name} thuộc namespace ${EDXML_NS}`);
  }
  checkElement(root, rule, '');
}

function checkElement(node: XmlNode, rule: ElementRule, path: string): void {
  const here = path === '' ? rule.name : path;
  if (!rule.children) {
    if (node.children.length > 0) throw invalidEdxml(here, 'không được chứa phần tử con');
    if (node.text.trim() === '') {
      if (rule.required) throw invalidEdxml(here, 'không được để trống');
      return;
    }
    const reason = rule.format?.(node.text);
    if (reason) throw invalidEdxml(here, reason);
    return;
  }
  if (node.text.trim() !== '') throw invalidEdxml(here, 'không được chứa văn bản trực tiếp');
  const rules = rule.children;
  const prefix = path === '' ? '' : `${path}/`;
  const seen = new Array<number>(rules.length).fill(0);
  let current = -1;
  node.children.forEach((child, position) => {
    const childPath = `${prefix}${child.local}`;
    if (child.uri !== EDXML_NS) throw invalidEdxml(childPath, `phần tử không thuộc namespace ${EDXML_NS}`);
    const same = rules[current];
    if (same && same.name === child.local) {
      if (!same.repeats) throw invalidEdxml(childPath, 'chỉ được xuất hiện một lần');
    } else {
      const next = rules.findIndex((r, k) => k > current && r.name === child.local);
      if (next === -1) {
        const known = rules.some((r) => r.name === child.local);
        throw invalidEdxml(childPath, known ? 'sai thứ tự phần tử' : 'phần tử không được định nghĩa');
      }
      for (let k = current + 1; k < next; k += 1)
        reportMissing(rules[k], node.children.slice(position), prefix, childPath);
      current = next;
    }
    seen[current] = (seen[current] ?? 0) + 1;
    const childRule = rules[current];
    if (childRule) checkElement(child, childRule, childPath);
  });
  for (let k = current + 1; k < rules.length; k += 1) reportMissing(rules[k], [], prefix, '');
}

/** A required rule was skipped: either it is missing, or it comes later and `early` jumped ahead of it. */
function reportMissing(rule: ElementRule | undefined, rest: XmlNode[], prefix: string, early: string): void {
  if (!rule?.required) return;
  if (rest.some((n) => n.uri === EDXML_NS && n.local === rule.name)) {
    throw invalidEdxml(early, `sai thứ tự phần tử (phải đứng sau ${rule.name})`);
  }
  throw invalidEdxml(`${prefix}${rule.name}`, 'thiếu phần tử bắt buộc');
}

/** The first child named `name` (edXML namespace), if any. */
export function child(node: XmlNode | undefined, name: string): XmlNode | undefined {
  return node?.children.find((c) => c.uri === EDXML_NS && c.local === name);
}

/** Every child named `name`, in document order. */
export function children(node: XmlNode | undefined, name: string): XmlNode[] {
  return node?.children.filter((c) => c.uri === EDXML_NS && c.local === name) ?? [];
}

/** Text of the element at `path` (names separated by `/`), '' when absent; never trimmed. */
export function textAt(node: XmlNode | undefined, path: string): string {
  let at = node;
  for (const name of path.split('/')) at = child(at, name);
  return at?.text ?? '';
}

/** Like `textAt`, but undefined for an absent or blank optional element. */
export function optionalText(node: XmlNode | undefined, path: string): string | undefined {
  const t = textAt(node, path);
  return t.trim() === '' ? undefined : t;
}
