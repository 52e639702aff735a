// Dev-only demo backend: ipc.ts loads this (lazily, as a separate chunk) only when the page runs in a
// plain browser without Tauri, so the UI can be developed and screenshotted without the shell. It
// answers the IPC contract with realistic PT-BR data (~40 conversations, every message type, a note,
// rows whose last message is a photo or an audio), simulates the workspace's first sync pass with
// per-entity progress events (later passes, from "Sincronizar agora", are quiet routine polls), and
// accepts ?rows=100000 to try a huge inbox. Agent
// actions go through a simulated outbox: the optimistic change shows at once, delivery follows (never
// while ?state=offline), a message or note containing the word "falha" fails, and one failed message
// plus one failed tag change are there from the start to show retry / discard.
import type {
  AppInfo,
  Backend,
  ConversationDetail,
  ConversationSummary,
  InboxCounts,
  MessageItem,
  MessagesPage,
  OutboxAction,
  OutboxFailed,
  OutboxState,
  SessionStatus,
  SyncEntity,
  SyncStatus,
  Tab,
  Tag,
  TransferTargets,
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

const TARGETS: TransferTargets = {
  departments: TEAMS.map((name, i) => ({ id: `d-${i + 1}`, name })),
  agents: [
    { userId: ME.userId, name: ME.name, departmentIds: ["d-1", "d-2"] },
    { userId: "u-bruno", name: "Bruno Costa", departmentIds: ["d-1"] },
    { userId: "u-carla", name: "Carla Mendes", departmentIds: ["d-2", "d-3"] },
    { userId: "u-diego", name: "Diego Rocha", departmentIds: ["d-1", "d-3"] },
    { userId: "u-fernanda", name: "Fernanda Alves", departmentIds: ["d-2"] },
  ],
};

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
    outbox: null,
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
    // Now and then the customer's last word is a photo or a voice note, without text.
    if (i > 0 && i < 200 && status !== "COMPLETED" && i % 7 === 3) {
      const audio = i % 14 === 10;
      messages.push(
        msg({
          createdAt: new Date(lastAt).toISOString(),
          type: audio ? "AUDIO" : "IMAGE",
          file: audio
            ? { name: "nota-de-voz.ogg", mimeType: "audio/ogg", url: abs(audioOgg), size: 8_705 }
            : { name: "foto.jpg", mimeType: "image/svg+xml", url: abs(tenisSvg), size: 48_213 },
        }),
      );
    }
    const newest = [...messages].reverse().find((m) => m.kind === "message" && m.type !== "TRANSITION");
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
      lastMessageText: newest ? newest.text : TOPICS[i % TOPICS.length]![0]![1],
      lastMessageType: newest ? newest.type : "TEXT",
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
  function resort() {
    for (const tab of ["mine", "waiting", "completed", "all"] as Tab[]) {
      sorted[tab] = conversations.map((c) => c.detail).filter((c) => inTab(c, tab));
      const dir = tab === "waiting" ? 1 : -1;
      sorted[tab].sort((a, b) => dir * ((a.lastInteractionAt ?? "") < (b.lastInteractionAt ?? "") ? -1 : 1));
    }
  }
  resort();

  const listeners = new Map<string, Set<(p: unknown) => void>>();
  const emit = (event: string, payload: unknown) => listeners.get(event)?.forEach((cb) => cb(payload));

  // ---- Outbox: optimistic changes, simulated delivery, failures, retry and discard ----------------
  interface Entry {
    id: string;
    sessionId: string | null;
    action: OutboxAction;
    summary: string | null;
    state: OutboxState;
    error: string | null;
    createdAt: string;
    /** The message or note this entry sends, if any (its id is the entry id). */
    messageId: string | null;
    /** Undoes the optimistic change (discard). */
    undo(): void;
  }
  const outbox = new Map<string, Entry>();
  let outboxSeq = 0;
  const nextOutboxId = () => `ob-${++outboxSeq}`;

  function outboxCounts() {
    let pending = 0;
    let failed = 0;
    for (const e of outbox.values()) {
      if (e.state === "failed") failed++;
      else pending++;
    }
    return { pending, failed };
  }

  // Messages and details are replaced, never mutated: the query cache keeps the old objects.
  function patchMessage(sessionId: string, id: string, patch: Partial<MessageItem>) {
    const c = byId.get(sessionId);
    if (!c) return;
    c.messages = c.messages.map((m) => (m.id === id ? { ...m, ...patch } : m));
  }
  function patchDetail(c: MockConversation, patch: Partial<ConversationDetail>) {
    c.detail = { ...c.detail, ...patch };
    resort();
  }

  function publish(entities: string[] = ["outbox"]) {
    sync = { ...sync, ...outboxCounts() };
    emit("atende://sync", sync);
    emit("atende://changed", { entities });
  }

  function setEntryState(e: Entry, next: OutboxState, error: string | null = null) {
    e.state = next;
    e.error = error;
    if (e.messageId && e.sessionId) patchMessage(e.sessionId, e.messageId, { outbox: { state: next, error } });
  }

  /** Queued → sending → delivered (or failed with `failWith`). Nothing moves while offline. */
  function deliver(e: Entry, failWith: string | null = null) {
    if (state === "offline") return;
    window.setTimeout(() => {
      if (outbox.get(e.id) !== e) return;
      setEntryState(e, "sending");
      publish();
      window.setTimeout(() => {
        if (outbox.get(e.id) !== e) return;
        if (failWith) {
          setEntryState(e, "failed", failWith);
          publish();
          return;
        }
        outbox.delete(e.id);
        if (e.messageId && e.sessionId) {
          const sessionId = e.sessionId;
          const messageId = e.messageId;
          patchMessage(sessionId, messageId, { outbox: null, status: e.action === "note" ? null : "SENT" });
          if (e.action !== "note") {
            window.setTimeout(() => {
              patchMessage(sessionId, messageId, { status: "DELIVERED" });
              emit("atende://changed", { entities: ["message"] });
            }, 2000);
          }
        }
        publish();
      }, 900);
    }, 500);
  }

  function enqueue(partial: Omit<Entry, "id" | "state" | "error" | "createdAt" | "messageId"> & { id?: string; messageId?: string | null }, failWith: string | null = null): Entry {
    const e: Entry = { state: "pending", error: null, createdAt: new Date().toISOString(), messageId: null, ...partial, id: partial.id ?? nextOutboxId() };
    outbox.set(e.id, e);
    publish();
    deliver(e, failWith);
    return e;
  }

  function conversationOf(args: Record<string, unknown>): MockConversation {
    const c = byId.get(String(args.sessionId));
    if (!c) throw { code: "not_found", message: "Atendimento não encontrado." };
    return c;
  }

  const contactLabel = (c: MockConversation) => c.detail.contactName ?? c.detail.contactPhone ?? "Contato sem nome";

  function queueText(args: Record<string, unknown>, note: boolean): { id: string } {
    const c = conversationOf(args);
    const text = typeof args.text === "string" ? args.text.trim() : "";
    if (!text) throw { code: "invalid_input", message: note ? "A nota está vazia." : "A mensagem está vazia." };
    if (!note && c.detail.windowStatus === "EXPIRED") {
      throw { code: "invalid_input", message: "Janela de 24 h encerrada: só é possível enviar um modelo de mensagem." };
    }
    const id = nextOutboxId();
    const now = new Date().toISOString();
    const item = msg({
      id,
      createdAt: now,
      kind: note ? "note" : "message",
      direction: note ? null : "out",
      text,
      authorName: ME.name,
      outbox: { state: "pending", error: null },
    });
    c.messages = [...c.messages, item];
    const before = { lastMessageText: c.detail.lastMessageText, lastMessageType: c.detail.lastMessageType, lastInteractionAt: c.detail.lastInteractionAt };
    if (!note) patchDetail(c, { lastMessageText: text, lastMessageType: "TEXT", lastInteractionAt: now });
    const fail = /\bfalha\b/i.test(text)
      ? note
        ? "O Helena recusou a nota: limite de notas por atendimento atingido."
        : "O WhatsApp recusou a mensagem: o número não está disponível no momento."
      : null;
    enqueue(
      {
        id,
        sessionId: c.detail.id,
        action: note ? "note" : "send_text",
        summary: text.length > 120 ? `${text.slice(0, 119)}…` : text,
        messageId: id,
        undo: () => {
          c.messages = c.messages.filter((m) => m.id !== id);
          if (!note) patchDetail(c, before);
        },
      },
      fail,
    );
    return { id };
  }

  function queueSessionChange(args: Record<string, unknown>, action: OutboxAction, patch: Partial<ConversationDetail>, summary: string): { id: string } {
    const c = conversationOf(args);
    const before = { ...c.detail };
    patchDetail(c, patch);
    const e = enqueue({
      sessionId: c.detail.id,
      action,
      summary,
      undo: () => patchDetail(c, { status: before.status, agentName: before.agentName, departmentName: before.departmentName, endAt: before.endAt }),
    });
    return { id: e.id };
  }

  // Failed examples from the start: a message in the second conversation and a contact-tag change.
  const second = conversations[1];
  if (second) {
    const id = nextOutboxId();
    const text = "Segue o link para acompanhar a troca: https://lojacentro.com.br/trocas/77120";
    const error = "O WhatsApp recusou a mensagem: o número não está disponível no momento.";
    second.messages = [
      ...second.messages,
      msg({ id, createdAt: iso(6 * MIN), direction: "out", text, authorName: ME.name, outbox: { state: "failed", error } }),
    ];
    outbox.set(id, {
      id,
      sessionId: second.detail.id,
      action: "send_text",
      summary: text,
      state: "failed",
      error,
      createdAt: iso(6 * MIN),
      messageId: id,
      undo: () => {
        second.messages = second.messages.filter((m) => m.id !== id);
      },
    });
    const tagId = nextOutboxId();
    outbox.set(tagId, {
      id: tagId,
      sessionId: second.detail.id,
      action: "contact_tags",
      summary: `Etiqueta "Atacado" para ${contactLabel(second)}`,
      state: "failed",
      error: "Etiqueta não encontrada no Helena (foi apagada por outro usuário).",
      createdAt: iso(25 * MIN),
      messageId: null,
      undo: () => undefined,
    });
  }

  let sync: SyncStatus =
    state === "offline"
      ? { state: "offline", phase: null, firstSync: false, entities: [], lastSyncAt: iso(14 * MIN), error: null, ...outboxCounts(), resumeInSecs: null }
      : { state: "syncing", phase: "reference", firstSync: true, entities: [], lastSyncAt: null, error: null, ...outboxCounts(), resumeInSecs: null };

  // What a pass pulls, in order, with the server's total where it gives one (it does not count
  // messages or notes up front).
  const messageCount = conversations.reduce((n, c) => n + c.messages.filter((m) => m.kind === "message").length, 0);
  const noteCount = conversations.reduce((n, c) => n + c.messages.filter((m) => m.kind === "note").length, 0);
  const plan: { entity: SyncEntity; items: number; total: number | null }[] = [
    { entity: "reference", items: 24, total: null },
    { entity: "sessions", items: conversations.length, total: conversations.length },
    { entity: "contacts", items: conversations.length, total: conversations.length },
    { entity: "messages", items: messageCount, total: null },
    { entity: "notes", items: noteCount, total: null },
  ];

  /** One pass: a third of an entity every 500 ms on the first pass, a quick quiet poll after it. */
  function runSync() {
    if (state === "offline") return;
    const first = sync.firstSync;
    let step = 0;
    let stored = 0;
    const tick = window.setInterval(() => {
      const current = plan[step]!;
      stored = Math.min(current.items, stored + Math.max(1, Math.ceil(current.items / 3)));
      const entities = [...sync.entities.filter((e) => e.entity !== current.entity), { entity: current.entity, stored, total: current.total }];
      if (stored >= current.items) {
        step += 1;
        stored = 0;
      }
      if (step >= plan.length) {
        window.clearInterval(tick);
        sync = { ...sync, state: "online", phase: null, firstSync: false, entities: [], lastSyncAt: new Date().toISOString(), ...outboxCounts() };
        emit("atende://sync", sync);
        emit("atende://changed", { entities: ["session", "message"] });
        return;
      }
      sync = { ...sync, state: "syncing", phase: plan[step]!.entity, entities };
      emit("atende://sync", sync);
    }, first ? 500 : 120);
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
          sync = { ...sync, state: "syncing", phase: "reference", entities: [] };
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
        return { ...c.detail };
      }
      case "conversation_messages": {
        const c = byId.get(String(args.sessionId));
        if (!c) throw { code: "not_found", message: "Atendimento não encontrado." };
        const before = args.before == null ? Infinity : Number(args.before);
        const limit = Math.min(200, Number(args.limit) || 50);
        const older = c.messages.filter((m) => m.seq < before);
        const items = older.slice(Math.max(0, older.length - limit)).map((m) => ({ ...m }));
        const page: MessagesPage = { items, nextBefore: older.length > items.length ? items[0]!.seq : null };
        return page;
      }
      case "send_message":
        return queueText(args, false);
      case "add_note":
        return queueText(args, true);
      case "assume": {
        const c = conversationOf(args);
        return queueSessionChange(args, "assume", { status: "IN_PROGRESS", agentName: ME.name }, contactLabel(c));
      }
      case "conclude": {
        const c = conversationOf(args);
        return queueSessionChange(args, "conclude", { status: "COMPLETED", endAt: new Date().toISOString() }, contactLabel(c));
      }
      case "reopen": {
        const c = conversationOf(args);
        if (c.detail.status !== "COMPLETED") throw { code: "invalid_input", message: "Só é possível reabrir um atendimento concluído." };
        return queueSessionChange(args, "reopen", { status: "IN_PROGRESS", agentName: ME.name, endAt: null }, contactLabel(c));
      }
      case "transfer": {
        const c = conversationOf(args);
        const dept = TARGETS.departments.find((d) => d.id === args.departmentId) ?? null;
        const agent = TARGETS.agents.find((a) => a.userId === args.userId) ?? null;
        if (args.departmentId != null && !dept) throw { code: "invalid_input", message: "Equipe não encontrada." };
        if (args.userId != null && !agent) throw { code: "invalid_input", message: "Agente não encontrado." };
        if (!dept && !agent) throw { code: "invalid_input", message: "Escolha uma equipe ou um agente." };
        if (dept && agent && !agent.departmentIds.includes(dept.id)) {
          throw { code: "invalid_input", message: `${agent.name} não faz parte da equipe ${dept.name}.` };
        }
        const departmentName = dept?.name ?? c.detail.departmentName;
        return queueSessionChange(
          args,
          "transfer",
          { departmentName, agentName: agent?.name ?? null, status: agent ? "IN_PROGRESS" : "PENDING" },
          `${contactLabel(c)} → ${[departmentName, agent?.name].filter(Boolean).join(" · ")}`,
        );
      }
      case "transfer_targets":
        return TARGETS;
      case "outbox_failed": {
        const failed: OutboxFailed[] = [...outbox.values()]
          .filter((e) => e.state === "failed")
          .sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1))
          .map(({ id, sessionId, action, summary, error, createdAt }) => ({ id, sessionId, action, summary, error: error ?? "", createdAt }));
        return failed;
      }
      case "outbox_retry": {
        const e = outbox.get(String(args.id));
        if (!e) throw { code: "not_found", message: "Esta ação não está mais na fila." };
        if (e.state !== "failed") throw { code: "invalid_input", message: "Esta ação ainda está sendo enviada." };
        setEntryState(e, "pending");
        publish();
        deliver(e);
        return null;
      }
      case "outbox_discard": {
        const e = outbox.get(String(args.id));
        if (!e) throw { code: "not_found", message: "Esta ação não está mais na fila." };
        if (e.state !== "failed") throw { code: "invalid_input", message: "Só é possível descartar uma ação que falhou." };
        outbox.delete(e.id);
        e.undo();
        publish();
        return null;
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
