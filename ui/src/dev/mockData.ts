// Dev-only demo backend: ipc.ts loads this (lazily, as a separate chunk) only when the page runs in a
// plain browser without Tauri, so the UI can be developed and screenshotted without the shell. It
// answers the IPC contract with realistic PT-BR data (~40 conversations, every message type, a note),
// simulates a sync pass with progress events, and accepts ?rows=100000 to try a huge inbox.
import type {
  AppInfo,
  Backend,
  ConversationDetail,
  ConversationSummary,
  InboxCounts,
  MessageItem,
  MessagesPage,
  SessionStatus,
  SyncStatus,
  Tab,
  Tag,
} from "../ipc";
import etiquetaSvg from "./assets/etiqueta.svg?no-inline";
import tenisSvg from "./assets/tenis-aurora.svg?no-inline";
import figurinhaSvg from "./assets/figurinha-obrigada.svg?no-inline";
import audioOgg from "./assets/audio-nota-de-voz.ogg?no-inline";
import caixaWebm from "./assets/caixa.webm?no-inline";

const abs = (u: string) => new URL(u, window.location.href).href;

const MIN = 60_000;
const HOUR = 60 * MIN;
const NOW = Date.now();
const iso = (msAgo: number) => new Date(NOW - msAgo).toISOString();

/** Midnight-relative time: `daysAgo` days before today, at hh:mm local time. */
function at(daysAgo: number, hh: number, mm: number): string {
  const d = new Date(NOW);
  d.setDate(d.getDate() - daysAgo);
  d.setHours(hh, mm, 0, 0);
  return d.toISOString();
}

// ---- People and reference data -------------------------------------------------------------------

const ME = { userId: "u-ana", name: "Ana Lima", teams: ["Suporte", "Vendas"] };
const AGENTS = ["Bruno Costa", "Carla Mendes", "Diego Rocha", "Fernanda Alves"];
const TEAMS = ["Suporte", "Vendas", "Financeiro"];

const CHANNELS = [
  { type: "CLOUDAPI_WHATSAPP", name: "WhatsApp Loja Centro" },
  { type: "CLOUDAPI_WHATSAPP", name: "WhatsApp Loja Centro" },
  { type: "CLOUDAPI_WHATSAPP", name: "WhatsApp Loja Centro" },
  { type: "INSTAGRAM", name: "Instagram @lojacentro" },
  { type: "MESSENGER", name: "Messenger Loja Centro" },
];

const TAGS: Tag[] = [
  { id: "t-atraso", name: "Pedido atrasado", color: "#dc2626" },
  { id: "t-vip", name: "Cliente VIP", color: "#7c3aed" },
  { id: "t-troca", name: "Troca", color: "#0891b2" },
  { id: "t-primeira", name: "Primeira compra", color: "#16a34a" },
  { id: "t-atacado", name: "Atacado", color: "#d97706" },
  { id: "t-boleto", name: "Boleto", color: null },
];

const FIRST = ["Maria", "João", "Beatriz", "Lucas", "Juliana", "Rafael", "Camila", "Pedro", "Larissa", "Gustavo", "Patrícia", "Thiago", "Aline", "Felipe", "Renata", "Marcos", "Gabriela", "André", "Vanessa", "Rodrigo", "Letícia", "Bruno", "Priscila", "Eduardo", "Sabrina", "Caio", "Tatiane", "Vinícius", "Daniela", "Henrique", "Natália", "Leandro", "Isabela", "Mateus", "Carolina", "Otávio", "Luana", "Samuel", "Elaine", "Ricardo"];
const LAST = ["Souza", "Oliveira", "Santos", "Pereira", "Lima", "Ferreira", "Carvalho", "Almeida", "Ribeiro", "Gomes", "Martins", "Araújo", "Barbosa", "Cardoso", "Teixeira", "Nascimento", "Moreira", "Cavalcanti", "Freitas", "Monteiro"];
const DDD = ["11", "21", "31", "41", "51", "19", "48", "61", "71", "81"];

// ---- Conversation topics (short threads) ---------------------------------------------------------

type Line = [dir: "in" | "out", text: string];
const TOPICS: Line[][] = [
  [["in", "Oi! Vocês têm o tênis Aurora no 42?"], ["out", "Oi! Temos sim, nas cores preto e areia. Quer que eu separe?"], ["in", "Quero o preto, por favor."]],
  [["in", "Bom dia, consegue me mandar o boleto atualizado?"], ["out", "Bom dia! Claro, gerei um novo com vencimento para sexta."], ["in", "Recebi, obrigado!"]],
  [["in", "Qual o prazo de entrega para Campinas?"], ["out", "Para Campinas o prazo é de 2 dias úteis após a confirmação do pagamento."]],
  [["in", "Quero trocar o tamanho da camisa que comprei, veio pequena"], ["out", "Sem problemas! A primeira troca é grátis. Vou te mandar a etiqueta de postagem."], ["in", "Ótimo, fico no aguardo"]],
  [["in", "Vocês vendem no atacado? Tenho uma loja em Curitiba"], ["out", "Vendemos sim! A partir de 12 peças por modelo. Posso te passar a tabela?"], ["in", "Pode mandar, por favor"]],
  [["in", "O cupom PRIMEIRACOMPRA não está funcionando no site"], ["out", "Vou verificar! Você está logada com o mesmo e-mail do cadastro?"], ["in", "Sim, é o mesmo"]],
  [["in", "Boa tarde, meu pagamento por Pix foi confirmado?"], ["out", "Boa tarde! Confirmado sim, seu pedido já está em separação."], ["in", "Perfeito, obrigada!"]],
  [["in", "Tem loja física em Belo Horizonte?"], ["out", "Temos sim, no BH Shopping, piso L2. Funciona das 10h às 22h."]],
  [["in", "Recebi o produto com um defeito na costura"], ["out", "Sinto muito! Pode me mandar uma foto do defeito?"], ["in", "Mandei agora pelo e-mail"]],
  [["in", "Quanto fica o frete para Recife?"], ["out", "Para Recife fica R$ 24,90, com entrega em até 6 dias úteis."], ["in", "Vou fechar então"]],
  [["in", "Consigo parcelar em 10x sem juros?"], ["out", "Consegue sim, para compras acima de R$ 300 no cartão."]],
  [["in", "Olá, quero cancelar meu pedido 47780"], ["out", "Olá! O pedido ainda não foi faturado, consigo cancelar agora. Confirma?"], ["in", "Confirmo, pode cancelar"]],
];

// ---- Conversations ---------------------------------------------------------------------------------

interface MockConversation {
  detail: ConversationDetail;
  messages: MessageItem[];
}

let seqCounter = 1000;
function msg(partial: Partial<MessageItem> & Pick<MessageItem, "createdAt">): MessageItem {
  seqCounter += 1;
  return {
    id: `m-${seqCounter}`,
    seq: seqCounter,
    kind: "message",
    direction: "in",
    type: "TEXT",
    text: null,
    status: null,
    authorName: null,
    file: null,
    location: null,
    contact: null,
    ...partial,
  };
}

function phoneFor(i: number): string {
  const ddd = DDD[i % DDD.length]!;
  const a = `9${1000 + ((i * 7919) % 9000)}`;
  const b = String((i * 4271 + 1234) % 10000).padStart(4, "0");
  return `+55 (${ddd}) ${a}-${b}`;
}

function statusFor(i: number): { status: SessionStatus; agent: string | null } {
  // 0-11 mine, 12-17 waiting, 18-29 completed, 30+ in progress with colleagues.
  const k = i % 40;
  if (k < 12) return { status: k === 5 ? "STARTED" : "IN_PROGRESS", agent: ME.name };
  if (k < 18) return { status: "PENDING", agent: null };
  if (k < 30) return { status: "COMPLETED", agent: k % 2 ? ME.name : AGENTS[k % AGENTS.length]! };
  return { status: "IN_PROGRESS", agent: AGENTS[k % AGENTS.length]! };
}

function mariaThread(): MessageItem[] {
  const m: MessageItem[] = [];
  // Her first contact, over two weeks ago.
  const firstContact: Line[] = [
    ["in", "Oi! Vi o anúncio de vocês no Instagram. Vocês têm loja física?"],
    ["out", "Oi, Maria! Temos sim, na Rua Augusta, 1200. Mas também entregamos em toda a Grande São Paulo."],
    ["in", "Legal! Vocês trabalham com numeração grande? Minha mãe calça 41."],
    ["out", "Trabalhamos sim, do 33 ao 42 nos modelos femininos."],
    ["in", "E qual o horário da loja?"],
    ["out", "De segunda a sábado, das 9h às 20h, e domingo das 11h às 17h."],
    ["in", "Obrigada, vou passar lá no sábado!"],
    ["out", "Vai ser um prazer! Se quiser, posso separar alguns modelos para ela provar."],
    ["in", "Pode separar o Aurora e o Brisa no 41, por favor."],
    ["out", "Separados no nome de Maria Souza. Ficam reservados até domingo."],
  ];
  let t0 = new Date(at(16, 16, 20)).getTime();
  m.push(msg({ createdAt: new Date(t0 - MIN).toISOString(), type: "TRANSITION", direction: null, text: "Novo atendimento pelo WhatsApp" }));
  for (const [dir, text] of firstContact) {
    m.push(msg({ createdAt: new Date(t0).toISOString(), direction: dir, text, status: dir === "out" ? "READ" : null, authorName: dir === "out" ? "Bruno Costa" : null }));
    t0 += 5 * MIN;
  }
  m.push(msg({ createdAt: new Date(t0).toISOString(), type: "TRANSITION", direction: null, text: "Atendimento concluído por Bruno Costa" }));

  // A previous purchase, nine days ago (reached by scrolling up: more than one page of history).
  const pairs: Line[] = [
    ["in", "Boa tarde! Vocês entregam em Guarulhos?"],
    ["out", "Boa tarde, Maria! Entregamos sim. O frete para Guarulhos sai R$ 12,90 e chega em até 2 dias úteis."],
    ["in", "Perfeito. E o tênis Aurora tem no 37?"],
    ["out", "Tem sim! Temos nas cores areia e preto."],
    ["in", "Qual a diferença do Aurora para o Brisa?"],
    ["out", "O Aurora tem solado mais alto e palmilha em gel; o Brisa é mais leve, bom para caminhada."],
    ["in", "Entendi. E a forma, é normal ou pequena?"],
    ["out", "Forma normal. Se você usa 37 em outras marcas, pode ir no 37 sem medo."],
    ["in", "Tem desconto no Pix?"],
    ["out", "Tem sim, 5% de desconto no Pix, aplicado direto no checkout."],
    ["in", "Ótimo, e se não servir posso trocar?"],
    ["out", "Pode! A primeira troca é grátis em até 30 dias, é só guardar a caixa."],
  ];
  let t = new Date(at(9, 14, 2)).getTime();
  for (const [dir, text] of pairs) {
    m.push(msg({ createdAt: new Date(t).toISOString(), direction: dir, text, status: dir === "out" ? "READ" : null, authorName: dir === "out" ? ME.name : null }));
    t += 3 * MIN;
  }
  m.push(msg({ createdAt: new Date(t).toISOString(), type: "IMAGE", text: "Esse aqui, né?", file: { name: "tenis-aurora.jpg", mimeType: "image/svg+xml", url: abs(tenisSvg), size: 48_213 } }));
  t += 2 * MIN;
  for (const [dir, text] of [
    ["out", "Esse mesmo! Quer que eu separe um para você?"],
    ["in", "Quero sim, na cor areia."],
    ["out", "Separado! Segue o link para pagamento: https://lojacentro.com.br/pagar/48213"],
    ["in", "Pago! Te mandei o comprovante."],
  ] as Line[]) {
    m.push(msg({ createdAt: new Date(t).toISOString(), direction: dir, text, status: dir === "out" ? "READ" : null, authorName: dir === "out" ? ME.name : null }));
    t += 2 * MIN;
  }
  m.push(msg({ createdAt: new Date(t).toISOString(), type: "DOCUMENT", file: { name: "comprovante-pix-48213.pdf", mimeType: "application/pdf", url: null, size: 96_320 } }));
  t += 3 * MIN;
  m.push(msg({ createdAt: new Date(t).toISOString(), direction: "out", text: "Recebido, obrigada! Seu pedido é o #48213 e sai amanhã. 😊", status: "READ", authorName: ME.name }));
  t += MIN;
  m.push(msg({ createdAt: new Date(t).toISOString(), type: "TRANSITION", direction: null, text: "Atendimento concluído por Ana Lima" }));

  // More history in between: a quick question five days ago.
  const mid: Line[] = [
    ["in", "Oi, o pedido #48213 já foi enviado?"],
    ["out", "Oi, Maria! Foi sim, saiu ontem pela transportadora. Previsão de entrega: sexta-feira."],
    ["in", "Obrigada!"],
    ["out", "Por nada! Qualquer coisa é só chamar."],
  ];
  t = new Date(at(5, 10, 12)).getTime();
  m.push(msg({ createdAt: new Date(t).toISOString(), type: "TRANSITION", direction: null, text: "Novo atendimento pelo WhatsApp" }));
  for (const [dir, text] of mid) {
    t += 4 * MIN;
    m.push(msg({ createdAt: new Date(t).toISOString(), direction: dir, text, status: dir === "out" ? "READ" : null, authorName: dir === "out" ? "Carla Mendes" : null }));
  }
  m.push(msg({ createdAt: new Date(t + MIN).toISOString(), type: "TRANSITION", direction: null, text: "Atendimento concluído por Carla Mendes" }));

  // Yesterday: the chatbot, a video and a sticker.
  t = new Date(at(1, 18, 40)).getTime();
  m.push(msg({ createdAt: new Date(t).toISOString(), type: "TRANSITION", direction: null, text: "Novo atendimento pelo WhatsApp · Chatbot" }));
  m.push(msg({ createdAt: new Date(t + 10_000).toISOString(), direction: "out", type: "BUTTONS", authorName: "Chatbot", status: "READ", text: "Olá! Sou a assistente virtual da Loja Centro. Como posso ajudar?\n[Acompanhar pedido] [Trocas e devoluções] [Falar com atendente]" }));
  m.push(msg({ createdAt: new Date(t + MIN).toISOString(), text: "Acompanhar pedido" }));
  m.push(msg({ createdAt: new Date(t + MIN + 10_000).toISOString(), direction: "out", type: "LIST", authorName: "Chatbot", status: "READ", text: "Encontrei 1 pedido no seu telefone:\n• #48213 · Tênis Aurora (areia, 37) · em transporte" }));
  m.push(msg({ createdAt: new Date(t + 2 * MIN).toISOString(), text: "Era pra ter chegado hoje e nada ainda 😕 Quero falar com alguém." }));
  m.push(msg({ createdAt: new Date(t + 3 * MIN).toISOString(), type: "VIDEO", text: "Aproveitando: da última vez a caixa chegou assim", file: { name: "caixa.webm", mimeType: "video/webm", url: abs(caixaWebm), size: 3_380 } }));
  m.push(msg({ createdAt: new Date(t + 3 * MIN + 20_000).toISOString(), type: "STICKER", file: { name: null, mimeType: "image/svg+xml", url: abs(figurinhaSvg), size: 748 } }));
  m.push(msg({ createdAt: new Date(t + 4 * MIN).toISOString(), type: "TRANSITION", direction: null, text: "Chatbot transferiu para a equipe Suporte · aguardando agente" }));

  // Today.
  t = new Date(at(0, 8, 52)).getTime();
  m.push(msg({ createdAt: new Date(t).toISOString(), type: "TRANSITION", direction: null, text: "Ana Lima assumiu o atendimento" }));
  m.push(msg({ createdAt: new Date(t + 1 * MIN).toISOString(), direction: "out", text: "Bom dia, Maria! Sinto muito pelo atraso. Vou verificar agora com a transportadora.", status: "READ", authorName: ME.name }));
  m.push(msg({ createdAt: new Date(t + 2 * MIN).toISOString(), type: "IMAGE", text: "A etiqueta que veio no e-mail", file: { name: "etiqueta.jpg", mimeType: "image/svg+xml", url: abs(etiquetaSvg), size: 120_448 } }));
  m.push(msg({ createdAt: new Date(t + 3 * MIN).toISOString(), type: "AUDIO", file: { name: "nota-de-voz.ogg", mimeType: "audio/ogg", url: abs(audioOgg), size: 8_705 } }));
  m.push(msg({ createdAt: new Date(t + 9 * MIN).toISOString(), kind: "note", direction: null, authorName: ME.name, text: "Transportadora confirmou extravio no CD de Guarulhos. Reenvio pelo expresso sem custo, aprovado pelo Bruno." }));
  m.push(msg({ createdAt: new Date(t + 11 * MIN).toISOString(), direction: "out", text: "Maria, já providenciei o reenvio pelo expresso, sem custo. Acompanhe aqui: https://rastreio.lojacentro.com.br/BR4821300", status: "READ", authorName: ME.name }));
  m.push(msg({ createdAt: new Date(t + 11 * MIN + 20_000).toISOString(), direction: "out", type: "DOCUMENT", status: "DELIVERED", authorName: ME.name, file: { name: "comprovante-reenvio-48213.pdf", mimeType: "application/pdf", url: "https://lojacentro.com.br/docs/comprovante-reenvio-48213.pdf", size: 186_880 } }));
  m.push(msg({ createdAt: new Date(t + 14 * MIN).toISOString(), type: "LOCATION", text: "Pode entregar aqui? Estou no trabalho", location: { latitude: -23.561414, longitude: -46.655881, name: "Escritório", address: "Av. Paulista, 1578 - Bela Vista, São Paulo - SP" } }));
  m.push(msg({ createdAt: new Date(t + 15 * MIN).toISOString(), direction: "out", text: "Claro! Atualizei o endereço de entrega para a Av. Paulista, 1578.", status: "DELIVERED", authorName: ME.name }));
  m.push(msg({ createdAt: new Date(t + 16 * MIN).toISOString(), kind: "note", direction: null, authorName: ME.name, text: "Endereço de entrega alterado no pedido #48213. Avisar a transportadora antes das 14h." }));
  m.push(msg({ createdAt: new Date(NOW - 4 * MIN).toISOString(), type: "CONTACT", contact: { name: "Recepção Paulista", phoneNumber: "+55 (11) 3251-0000" } }));
  m.push(msg({ createdAt: new Date(NOW - 2 * MIN).toISOString(), text: "Se eu não estiver, pode deixar com a recepção. Muito obrigada, Ana! 🙏" }));
  return m;
}

function genericThread(i: number, lastAt: number, status: SessionStatus, agent: string | null): MessageItem[] {
  const lines = TOPICS[i % TOPICS.length]!;
  const out: MessageItem[] = [];
  const step = 4 * MIN;
  let t = lastAt - (lines.length - 1) * step;
  out.push(msg({ createdAt: new Date(t - MIN).toISOString(), type: "TRANSITION", direction: null, text: "Novo atendimento" }));
  for (const [dir, text] of lines) {
    if (status === "PENDING" && dir === "out") continue;
    out.push(
      msg({
        createdAt: new Date(t).toISOString(),
        direction: dir,
        text,
        status: dir === "out" ? (t > NOW - 10 * MIN ? "DELIVERED" : "READ") : null,
        authorName: dir === "out" ? agent ?? "Chatbot" : null,
      }),
    );
    t += step;
  }
  if (status === "COMPLETED") {
    out.push(msg({ createdAt: new Date(lastAt + MIN).toISOString(), type: "TRANSITION", direction: null, text: `Atendimento concluído por ${agent ?? ME.name}` }));
  }
  return out;
}

function lastInteraction(i: number): number {
  const k = i % 40;
  const base = [2, 7, 14, 26, 41, 58, 75, 95, 130, 170, 220, 300][k % 12]! * MIN;
  const rank = Math.floor(k / 12);
  return NOW - base - rank * 37 * MIN - Math.floor(i / 40) * 3 * HOUR;
}

function buildConversations(count: number): MockConversation[] {
  const list: MockConversation[] = [];
  for (let i = 0; i < count; i++) {
    const first = FIRST[i % FIRST.length]!;
    const last = LAST[(i * 7 + Math.floor(i / FIRST.length)) % LAST.length]!;
    const name = i === 0 ? "Maria Souza" : `${first} ${last}`;
    const { status, agent } = statusFor(i);
    const channel = i === 0 ? CHANNELS[0]! : CHANNELS[(i * 3) % CHANNELS.length]!;
    const team = i === 0 ? "Suporte" : TEAMS[(i * 5) % TEAMS.length]!;
    const lastAt = i === 0 ? NOW - 2 * MIN : lastInteraction(i);
    const messages = i === 0 ? mariaThread() : i < 200 ? genericThread(i, lastAt, status, agent) : [];
    const lastText = [...messages].reverse().find((m) => m.kind === "message" && m.type !== "TRANSITION");
    const instagram = channel.type === "INSTAGRAM";
    const detail: ConversationDetail = {
      id: `s-${String(i).padStart(6, "0")}`,
      contactId: `c-${i}`,
      contactName: i % 23 === 22 ? null : name,
      contactPhone: i === 0 ? "+55 (11) 98765-4321" : instagram ? null : phoneFor(i),
      status,
      windowStatus: status === "COMPLETED" || i % 9 === 8 ? "EXPIRED" : "ACTIVE",
      channelType: channel.type,
      channelName: channel.name,
      departmentName: team,
      agentName: agent,
      lastMessageText: i === 0 ? "Se eu não estiver, pode deixar com a recepção. Muito obrigada, Ana! 🙏" : lastText?.text ?? TOPICS[i % TOPICS.length]![0]![1],
      lastInteractionAt: new Date(lastAt).toISOString(),
      unreadCount: i === 0 ? 2 : status !== "COMPLETED" && i % 3 === 1 ? (i % 5) + 1 : 0,
      number: `2026${String(112200100 + i).slice(-9)}`,
      contactEmail: i === 0 ? "maria.souza@email.com.br" : i % 4 === 0 ? `${first.toLowerCase().normalize("NFD").replace(/\p{M}/gu, "")}.${last.toLowerCase().normalize("NFD").replace(/\p{M}/gu, "")}@email.com` : null,
      startAt: new Date(lastAt - 25 * MIN).toISOString(),
      endAt: status === "COMPLETED" ? new Date(lastAt + MIN).toISOString() : null,
      tags: i === 0 ? [TAGS[0]!, TAGS[1]!, TAGS[2]!] : TAGS.filter((_, k) => (i + k) % 5 === 0).slice(0, 2),
    };
    list.push({ detail, messages });
  }
  return list;
}

// ---- Backend ---------------------------------------------------------------------------------------

function inTab(c: ConversationDetail, tab: Tab): boolean {
  switch (tab) {
    case "mine":
      return (c.status === "IN_PROGRESS" || c.status === "STARTED") && c.agentName === ME.name;
    case "waiting":
      return c.status === "PENDING";
    case "completed":
      return c.status === "COMPLETED";
    case "all":
      return c.status !== "HIDDEN";
  }
}

const summary = ({ contactEmail: _e, startAt: _s, endAt: _n, tags: _t, ...rest }: ConversationDetail): ConversationSummary => rest;

function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}

export function createMockBackend(): Backend {
  const params = new URLSearchParams(window.location.search);
  const rows = Math.min(500_000, Math.max(0, Number(params.get("rows")) || 40));
  const state = params.get("state"); // ?state=empty | error | offline, to look at those designs
  const conversations = state === "empty" ? [] : buildConversations(rows);
  const byId = new Map(conversations.map((c) => [c.detail.id, c]));
  const sorted: Record<Tab, ConversationDetail[]> = { mine: [], waiting: [], completed: [], all: [] };
  for (const tab of ["mine", "waiting", "completed", "all"] as Tab[]) {
    sorted[tab] = conversations.map((c) => c.detail).filter((c) => inTab(c, tab));
    const dir = tab === "waiting" ? 1 : -1;
    sorted[tab].sort((a, b) => dir * ((a.lastInteractionAt ?? "") < (b.lastInteractionAt ?? "") ? -1 : 1));
  }

  const listeners = new Map<string, Set<(p: unknown) => void>>();
  const emit = (event: string, payload: unknown) => listeners.get(event)?.forEach((cb) => cb(payload));

  let sync: SyncStatus =
    state === "offline"
      ? { state: "offline", phase: null, progress: null, lastSyncAt: iso(14 * MIN), error: null, pending: 3, failed: 0, resumeInSecs: null }
      : { state: "syncing", phase: "messages", progress: { done: 1200, total: 40000 }, lastSyncAt: iso(4 * MIN), error: null, pending: 0, failed: 0, resumeInSecs: null };

  function runSync() {
    if (state === "offline") return;
    const tick = window.setInterval(() => {
      const done = Math.min(40000, (sync.progress?.done ?? 0) + 7400);
      if (done >= 40000) {
        window.clearInterval(tick);
        sync = { state: "online", phase: null, progress: null, lastSyncAt: new Date().toISOString(), error: null, pending: 0, failed: 0, resumeInSecs: null };
        emit("atende://sync", sync);
        emit("atende://changed", { entities: ["session", "message"] });
        return;
      }
      sync = { ...sync, state: "syncing", phase: "messages", progress: { done, total: 40000 } };
      emit("atende://sync", sync);
    }, 500);
  }
  runSync();

  const info: AppInfo = {
    version: "0.1.0",
    account: { name: "Loja Centro", baseUrl: "https://api.helena.run", demo: true },
    me: ME,
  };

  async function invoke(cmd: string, args: Record<string, unknown> = {}): Promise<unknown> {
    await sleep(40);
    if (state === "error" && cmd !== "app_info" && cmd !== "sync_status") {
      throw { code: "database", message: "Não foi possível ler o banco de dados local." };
    }
    switch (cmd) {
      case "app_info":
        return info;
      case "sync_status":
        return sync;
      case "sync_now":
        if (sync.state !== "syncing") {
          sync = { ...sync, state: "syncing", phase: "sessions", progress: { done: 0, total: 40000 } };
          emit("atende://sync", sync);
          runSync();
        }
        return null;
      case "inbox_counts": {
        const counts: InboxCounts = { mine: sorted.mine.length, waiting: sorted.waiting.length, completed: sorted.completed.length, all: sorted.all.length };
        return counts;
      }
      case "inbox_page": {
        const tab = args.tab as Tab;
        const offset = Number(args.offset) || 0;
        const limit = Math.min(500, Number(args.limit) || 50);
        const list = sorted[tab];
        if (!list) throw { code: "invalid_input", message: "Aba desconhecida." };
        return { total: list.length, items: list.slice(offset, offset + limit).map(summary) };
      }
      case "conversation_detail": {
        const c = byId.get(String(args.sessionId));
        if (!c) throw { code: "not_found", message: "Atendimento não encontrado." };
        return c.detail;
      }
      case "conversation_messages": {
        const c = byId.get(String(args.sessionId));
        if (!c) throw { code: "not_found", message: "Atendimento não encontrado." };
        const before = args.before == null ? Infinity : Number(args.before);
        const limit = Math.min(200, Number(args.limit) || 50);
        const older = c.messages.filter((m) => m.seq < before);
        const items = older.slice(Math.max(0, older.length - limit));
        const page: MessagesPage = { items, nextBefore: older.length > items.length ? items[0]!.seq : null };
        return page;
      }
      default:
        throw { code: "invalid_input", message: `Comando desconhecido: ${cmd}` };
    }
  }

  return {
    invoke,
    async listen(event, cb) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(cb);
      return () => set.delete(cb);
    },
  };
}
