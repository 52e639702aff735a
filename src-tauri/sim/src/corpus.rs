//! PT-BR raw material for the seeded world: names, places, products and dialogue lines.
//!
//! The business is "Loja Centro", an appliance and electronics store with delivery,
//! installation and technical assistance, so conversations are about orders, deliveries,
//! boletos and Pix, exchanges, installation visits and warranty repairs. Lines carry
//! placeholders (`{nome}`, `{agente}`, `{pedido}`, `{produto}`, `{valor}`, `{data}`, `{hora}`,
//! `{dept}`) that the seeder fills per conversation.

pub const FIRST_NAMES: &[&str] = &[
    "Ana",
    "Maria",
    "João",
    "José",
    "Pedro",
    "Lucas",
    "Gabriel",
    "Rafael",
    "Mariana",
    "Juliana",
    "Fernanda",
    "Camila",
    "Beatriz",
    "Larissa",
    "Letícia",
    "Bruna",
    "Amanda",
    "Carlos",
    "Paulo",
    "Marcos",
    "Felipe",
    "Gustavo",
    "Rodrigo",
    "Thiago",
    "Bruno",
    "Eduardo",
    "Vinícius",
    "Matheus",
    "Leonardo",
    "Daniel",
    "Patrícia",
    "Aline",
    "Vanessa",
    "Renata",
    "Tatiane",
    "Priscila",
    "Simone",
    "Cláudia",
    "Sandra",
    "Adriana",
    "Luciana",
    "Roberta",
    "Antônio",
    "Francisco",
    "Raimundo",
    "Sebastião",
    "Luiz",
    "Fábio",
    "Márcio",
    "Sérgio",
    "Diego",
    "André",
    "Helena",
    "Alice",
    "Laura",
    "Valentina",
    "Sophia",
    "Isabela",
    "Manuela",
    "Heloísa",
    "Luana",
    "Débora",
    "Jéssica",
    "Natália",
    "Gabriela",
    "Caio",
    "Otávio",
    "Murilo",
    "Enzo",
    "Arthur",
    "Davi",
    "Bernardo",
    "Samuel",
    "Heitor",
    "Raquel",
    "Elaine",
    "Cristiane",
    "Rosângela",
    "Márcia",
];

pub const LAST_NAMES: &[&str] = &[
    "Silva",
    "Santos",
    "Oliveira",
    "Souza",
    "Rodrigues",
    "Ferreira",
    "Alves",
    "Pereira",
    "Lima",
    "Gomes",
    "Costa",
    "Ribeiro",
    "Martins",
    "Carvalho",
    "Almeida",
    "Lopes",
    "Soares",
    "Fernandes",
    "Vieira",
    "Barbosa",
    "Rocha",
    "Dias",
    "Nascimento",
    "Andrade",
    "Moreira",
    "Nunes",
    "Marques",
    "Machado",
    "Mendes",
    "Freitas",
    "Cardoso",
    "Ramos",
    "Gonçalves",
    "Santana",
    "Teixeira",
    "Araújo",
    "Pinto",
    "Correia",
    "Cavalcanti",
    "Monteiro",
    "Moura",
    "Campos",
    "Rezende",
    "Batista",
    "Farias",
    "Barros",
    "Castro",
    "Azevedo",
    "Duarte",
    "Queiroz",
];

/// `(DDD, city, state, latitude, longitude)`.
pub const CITIES: &[(&str, &str, &str, f64, f64)] = &[
    ("11", "São Paulo", "SP", -23.5505, -46.6333),
    ("11", "Guarulhos", "SP", -23.4538, -46.5333),
    ("19", "Campinas", "SP", -22.9099, -47.0626),
    ("21", "Rio de Janeiro", "RJ", -22.9068, -43.1729),
    ("21", "Niterói", "RJ", -22.8832, -43.1034),
    ("31", "Belo Horizonte", "MG", -19.9167, -43.9345),
    ("41", "Curitiba", "PR", -25.4284, -49.2733),
    ("48", "Florianópolis", "SC", -27.5954, -48.5480),
    ("51", "Porto Alegre", "RS", -30.0346, -51.2177),
    ("61", "Brasília", "DF", -15.7939, -47.8828),
    ("62", "Goiânia", "GO", -16.6869, -49.2648),
    ("71", "Salvador", "BA", -12.9714, -38.5014),
    ("81", "Recife", "PE", -8.0476, -34.8770),
    ("85", "Fortaleza", "CE", -3.7319, -38.5267),
    ("92", "Manaus", "AM", -3.1190, -60.0217),
    ("27", "Vitória", "ES", -20.3155, -40.3128),
];

pub const STREETS: &[&str] = &[
    "Rua das Flores",
    "Avenida Brasil",
    "Rua XV de Novembro",
    "Avenida Paulista",
    "Rua Sete de Setembro",
    "Rua Marechal Deodoro",
    "Avenida Getúlio Vargas",
    "Rua da Bahia",
    "Rua Tiradentes",
    "Avenida Rio Branco",
    "Rua Dom Pedro II",
    "Rua São José",
];

pub const EMAIL_DOMAINS: &[&str] = &[
    "gmail.com",
    "gmail.com",
    "gmail.com",
    "hotmail.com",
    "outlook.com",
    "yahoo.com.br",
    "uol.com.br",
    "bol.com.br",
    "terra.com.br",
];

/// Products, with their article ("Comprei {produto}", "Vocês têm {produto}?").
pub const PRODUCTS: &[&str] = &[
    "uma geladeira Frost Free 375L",
    "uma smart TV 55\"",
    "um notebook 15,6\"",
    "um ar-condicionado split 12.000 BTUs",
    "uma máquina de lavar 11kg",
    "um micro-ondas 30L",
    "um fogão 5 bocas",
    "um fone bluetooth",
    "uma air fryer 4L",
    "um aspirador robô",
    "um celular 128GB",
    "uma lava-louças 8 serviços",
    "um ventilador de coluna",
    "uma cafeteira expresso",
    "uma soundbar 2.1",
];

/// Department names and descriptions, in seeding order.
pub const DEPARTMENTS: &[(&str, &str)] = &[
    ("Vendas", "Orçamentos, pedidos e condições de pagamento"),
    (
        "Suporte",
        "Dúvidas de uso, entregas e acompanhamento de pedidos",
    ),
    ("Financeiro", "Boletos, Pix, parcelamentos e estornos"),
    ("Pós-venda", "Trocas, devoluções e garantia"),
    ("Assistência Técnica", "Reparos, visitas técnicas e peças"),
    ("Logística", "Entregas, retiradas e transportadoras"),
    ("Agendamentos", "Instalações e visitas técnicas"),
    ("Ouvidoria", "Reclamações e elogios"),
    ("Atacado", "Vendas para empresas e revendedores"),
    ("Marketing", "Campanhas, promoções e redes sociais"),
];

/// `(name, colour)` with colours from §5.
pub const TAGS: &[(&str, &str)] = &[
    ("Cliente VIP", "PURPLE_500"),
    ("Novo cliente", "GREEN_500"),
    ("Boleto pendente", "YELLOW_500"),
    ("Reclamação", "RED_500"),
    ("Troca/Devolução", "BROWN_400"),
    ("Instalação agendada", "BLUE_500"),
    ("Orçamento", "SKY_400"),
    ("Garantia", "GRAY_500"),
    ("Atacado", "PINK_400"),
    ("Indicação", "GREEN_300"),
    ("Lead Instagram", "PINK_600"),
];

/// Contact `annotation`s.
pub const ANNOTATIONS: &[&str] = &[
    "Prefere contato à tarde.",
    "Cliente desde a inauguração da loja.",
    "Sempre paga no Pix.",
    "Pediu para não receber promoções por WhatsApp.",
    "Mora em condomínio: entregas só até as 18h.",
    "Compra para a empresa, pedir CNPJ na nota.",
    "Já teve problema com entrega atrasada, atenção redobrada.",
];

/// Internal notes.
pub const NOTES: &[&str] = &[
    "Cliente pediu retorno após as 18h.",
    "Verificar com o financeiro o estorno do Pix.",
    "Pedido {pedido} com atraso na transportadora, abri chamado.",
    "Cliente VIP, oferecer frete grátis na próxima compra.",
    "Aguardando nota fiscal para seguir com a troca.",
    "Técnico confirmou visita para {data} às {hora}.",
    "Boleto reenviado por e-mail também.",
    "Cliente irritado com a demora, tratar com prioridade.",
    "Conferir se ainda temos {produto} no estoque da loja do centro.",
    "Orçamento enviado, fazer follow-up em 2 dias.",
    "Peça encomendada ao fabricante, prazo de 10 dias úteis.",
    "Transferido do {dept}: já expliquei a política de trocas.",
];

/// A conversation topic: what the contact says and what the agent answers, in order.
pub struct Topic {
    pub customer: &'static [&'static str],
    pub agent: &'static [&'static str],
}

pub const TOPICS: &[Topic] = &[
    // Acompanhamento de entrega
    Topic {
        customer: &[
            "Oi, boa tarde! Comprei {produto} e ainda não chegou",
            "O número do pedido é {pedido}",
            "Era pra ter chegado ontem 😕",
            "Vai chegar até que horas?",
            "Ok, vou ficar em casa então",
            "Chegou aqui, obrigado!",
        ],
        agent: &[
            "Olá, {nome}! Aqui é {agente}, da Loja Centro. Vou verificar seu pedido, pode me passar o número?",
            "Obrigado! Um momento enquanto consulto a transportadora.",
            "Verifiquei aqui: seu pedido {pedido} saiu para entrega hoje e deve chegar até as 18h.",
            "Peço desculpas pelo atraso, {nome}. A transportadora teve um problema na rota.",
            "Qualquer coisa é só chamar por aqui!",
        ],
    },
    // Segunda via de boleto / Pix
    Topic {
        customer: &[
            "Bom dia, preciso da segunda via do boleto",
            "É do pedido {pedido}",
            "Posso pagar no Pix?",
            "Paguei agora, segue o comprovante",
            "Quando vocês confirmam o pagamento?",
        ],
        agent: &[
            "Bom dia, {nome}! Claro, vou gerar a segunda via para você.",
            "Pronto! O boleto no valor de {valor} vence em {data}.",
            "Pode sim! Nossa chave Pix é o CNPJ 12.345.678/0001-90, em nome de Loja Centro Comércio Ltda.",
            "Recebido, obrigado! O pagamento via Pix é confirmado em poucos minutos.",
            "Pagamento confirmado ✅ Seu pedido já foi liberado para separação.",
        ],
    },
    // Troca / devolução
    Topic {
        customer: &[
            "Olá, quero trocar um produto",
            "Chegou {produto} com defeito, não liga",
            "Comprei dia {data}",
            "Tenho sim, guardei a caixa",
            "Pode ser troca por outro igual",
            "Certo, aguardo a coleta",
        ],
        agent: &[
            "Olá, {nome}! Sinto muito pelo transtorno. Pode me contar o que aconteceu?",
            "Entendi. Como está dentro dos 7 dias, fazemos a troca sem custo. Você ainda tem a nota fiscal e a embalagem?",
            "Perfeito. Prefere a troca por outro igual ou o estorno do valor?",
            "Combinado! A coleta será feita em até 3 dias úteis e o novo produto segue logo após a conferência.",
            "Abri a solicitação de troca no protocolo {pedido}.",
        ],
    },
    // Agendamento de instalação
    Topic {
        customer: &[
            "Oi! Comprei um ar-condicionado e queria agendar a instalação",
            "Pode ser na {data}?",
            "De manhã é melhor",
            "Sim, o ponto elétrico já está pronto",
            "Confirmado, obrigada!",
        ],
        agent: &[
            "Oi, {nome}! Claro, vamos agendar. Qual o melhor dia para você?",
            "Temos horário na {data} às {hora} ou à tarde. Qual prefere?",
            "Agendado para {data} às {hora}. O técnico leva o suporte e a tubulação de até 3 metros.",
            "Só confirmando: o local já tem tomada ou ponto elétrico dedicado?",
            "Ótimo! Você receberá uma mensagem no dia com o nome do técnico.",
        ],
    },
    // Orçamento
    Topic {
        customer: &[
            "Boa tarde, vocês têm {produto}?",
            "Qual o valor à vista?",
            "E parcelado no cartão?",
            "Tem frete pra minha região?",
            "Vou pensar e te falo",
            "Fechado, pode mandar o link de pagamento",
        ],
        agent: &[
            "Boa tarde, {nome}! Temos sim, em estoque para entrega imediata.",
            "À vista no Pix fica {valor}, com 5% de desconto.",
            "No cartão parcelamos em até 10x sem juros.",
            "Entregamos sim! Pelo seu CEP o frete é grátis e o prazo é de 2 dias úteis.",
            "Segue o link de pagamento. Qualquer dúvida estou à disposição!",
        ],
    },
    // Garantia / assistência técnica
    Topic {
        customer: &[
            "Comprei {produto} com vocês e parou de funcionar",
            "Faz uns 8 meses que comprei",
            "Faz um barulho estranho e desliga sozinha",
            "Mando um vídeo mostrando",
            "Que dia o técnico pode vir?",
        ],
        agent: &[
            "Olá, {nome}, tudo bem? Vamos resolver isso. O produto ainda está na garantia?",
            "Está sim, a garantia é de 12 meses. Pode descrever o defeito?",
            "Obrigado pelo vídeo, ajuda bastante no diagnóstico.",
            "Abri uma ordem de serviço. O técnico pode ir na {data}, entre 8h e 12h.",
            "Se precisar trocar alguma peça, fica por conta da garantia.",
        ],
    },
    // Atualização de cadastro
    Topic {
        customer: &[
            "Oi, mudei de endereço, preciso atualizar meu cadastro",
            "O novo endereço é Rua das Flores, 120, apto 34",
            "Meu e-mail também mudou",
            "Obrigada!",
        ],
        agent: &[
            "Olá, {nome}! Claro, pode me informar o novo endereço completo com CEP?",
            "Anotado! E o e-mail continua o mesmo?",
            "Cadastro atualizado ✅",
        ],
    },
    // Promoção
    Topic {
        customer: &[
            "Vi a promoção no Instagram, ainda está valendo?",
            "Quero {produto}",
            "Tem na cor preta?",
            "Vou passar na loja amanhã",
        ],
        agent: &[
            "Oi, {nome}! Está sim, vai até domingo ou enquanto durar o estoque.",
            "Ótima escolha! Está saindo por {valor} na promoção.",
            "Temos sim, na preta e na inox.",
            "Vou reservar para você até amanhã às 18h. Estamos na Rua XV de Novembro, 500.",
        ],
    },
];

/// Short replies when a topic's lines run out.
pub const CUSTOMER_FILLERS: &[&str] = &[
    "Ok",
    "Obrigado!",
    "Certo, aguardo",
    "Entendi",
    "Perfeito 👍",
    "Vocês abrem sábado?",
    "Pode ser",
    "Beleza",
    "Tá bom, obrigada",
    "Ainda não recebi retorno",
    "Alguma novidade?",
    "Muito obrigado pela ajuda!",
    "👍",
    "Oi?",
    "Ok, combinado",
    "Pode me ligar?",
];

pub const AGENT_FILLERS: &[&str] = &[
    "Um momento, por favor, vou verificar.",
    "Só um instante enquanto consulto o sistema.",
    "Perfeito!",
    "Mais alguma dúvida, {nome}?",
    "Estou verificando com o setor responsável e já te retorno.",
    "Obrigado pela paciência!",
    "Posso ajudar em algo mais?",
    "Combinado, {nome}!",
    "Fico à disposição.",
];

/// An agent's closing line for a completed conversation.
pub const CLOSINGS: &[&str] = &[
    "Obrigado pelo contato, {nome}! Vou encerrar o atendimento, mas é só chamar se precisar. 😊",
    "Atendimento finalizado. A Loja Centro agradece!",
    "Foi um prazer ajudar, {nome}. Tenha um ótimo dia!",
];

/// Captions of media the contact sends, by kind.
pub const CUSTOMER_IMAGE_CAPTIONS: &[&str] = &[
    "Segue a foto",
    "Olha como chegou a caixa",
    "Foto da etiqueta",
    "",
    "É esse modelo aqui",
];
pub const AGENT_IMAGE_CAPTIONS: &[&str] = &[
    "Segue a foto do produto",
    "Esse é o modelo em promoção",
    "Catálogo da semana",
];
pub const VIDEO_CAPTIONS: &[&str] = &["Vídeo do defeito", "Olha o barulho", ""];
pub const AUDIO_TRANSCRIPTIONS: &[&str] = &[
    "Oi, tudo bem? Queria saber se o meu pedido já saiu pra entrega.",
    "Então, eu paguei o boleto ontem, vocês conseguem confirmar?",
    "Pode vir amanhã de manhã que vai ter gente em casa.",
];

/// Menus a bot sends (LIST) and yes/no prompts (BUTTONS).
pub const LIST_TEXTS: &[&str] = &[
    "Olá! 👋 Bem-vindo à Loja Centro. Escolha uma opção:\n1️⃣ Acompanhar pedido\n2️⃣ Segunda via de boleto\n3️⃣ Trocas e devoluções\n4️⃣ Falar com um atendente",
    "Em que podemos ajudar?\n1️⃣ Comprar\n2️⃣ Assistência técnica\n3️⃣ Financeiro",
];
pub const BUTTON_TEXTS: &[&str] = &[
    "Confirma a visita técnica para {data} às {hora}?",
    "Seu problema foi resolvido?",
    "Deseja receber o boleto por aqui?",
];

/// TRANSITION (system) texts.
pub const TRANSITIONS: &[&str] = &[
    "Atendimento transferido para {dept}",
    "{agente} assumiu o atendimento",
    "Atendimento iniciado pelo chatbot",
    "Conversa movida para a fila de {dept}",
];

/// `failedReason` of seeded failed sends.
pub const FAILED_REASONS: &[&str] = &[
    "(#131047) Mais de 24 horas se passaram desde a última resposta do cliente.",
    "(#131026) Mensagem não entregue: o número não está disponível no WhatsApp.",
    "Falha ao baixar a mídia informada.",
];

/// Pages for TRACK events.
pub const TRACK_PAGES: &[(&str, &str)] = &[
    (
        "Loja Centro | Ofertas da semana",
        "https://lojacentro.com.br/ofertas",
    ),
    (
        "Geladeiras | Loja Centro",
        "https://lojacentro.com.br/eletrodomesticos/geladeiras",
    ),
    (
        "Fale conosco | Loja Centro",
        "https://lojacentro.com.br/contato",
    ),
];
