// Tiny DOM helpers: text only (textContent), never innerHTML — status strings come from outside.

export function el<T extends HTMLElement = HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`missing #${id}`);
  return found as T;
}

export function setText(id: string, text: string): void {
  el(id).textContent = text;
}

export function show(id: string, visible: boolean): void {
  el(id).hidden = !visible;
}

export function setBar(id: string, fraction: number, lowBelow = 0.2): void {
  const bar = el(id);
  bar.style.width = `${Math.round(Math.min(1, Math.max(0, fraction)) * 100)}%`;
  bar.classList.toggle('low', fraction < lowBelow);
}
